import { spawn } from 'node:child_process';

// Python's expat checks every character against XML 1.0, as the readers of the XML answers do
// (FixMyStreet's XML::Simple, the georeport client's xmltodict); the JS parsers at hand do not.
const EXPAT = [
  'import sys, xml.parsers.expat',
  'try:',
  '    xml.parsers.expat.ParserCreate().Parse(sys.stdin.buffer.read(), True)',
  'except xml.parsers.expat.ExpatError as err:',
  '    print(err)',
].join('\n');

/** Why expat refuses the document (e.g. "not well-formed (invalid token): line 1, column 4"), or ''. */
export async function xmlWellFormednessError(bytes: Uint8Array): Promise<string> {
  const child = spawn('python3', ['-c', EXPAT], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
    child.stdin.end(bytes);
  });
  if (code !== 0) throw new Error(`python3 expat check exited ${code}`);
  return out.trim();
}
