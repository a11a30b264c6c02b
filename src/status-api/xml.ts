import { XMLBuilder } from 'fast-xml-parser';

/**
 * GeoReport v2's XML form of the JSON answers. The spec names a wrapper for each kind of list
 * (service_requests/request, services/service, errors/error, discovery's endpoints/endpoint and
 * formats/format); lists of our extensions follow the same plural/singular pattern.
 */
const ITEM_NAMES: Readonly<Record<string, string>> = {
  service_requests: 'request',
  services: 'service',
  errors: 'error',
  endpoints: 'endpoint',
  formats: 'format',
  history: 'entry',
  attributes: 'attribute',
  values: 'value',
};

function itemName(listName: string): string {
  return ITEM_NAMES[listName] ?? 'item';
}

/**
 * What XML 1.0 cannot carry at all, not even escaped: C0 controls other than tab, LF and CR,
 * U+FFFE, U+FFFF and lone surrogates. A note or an address pasted from elsewhere may hold one, and
 * a single one makes the whole document unreadable, so a search answer with a hundred tickets
 * would reach the client as nothing. Each becomes U+FFFD, which says a character was lost there.
 */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text as XML 1.0 can carry it; markup is escaped by the builder. */
function xmlText(value: string): string {
  return value.replace(NOT_XML_CHAR, '\uFFFD');
}

/**
 * One element's content in the builder's terms: a list becomes its items repeated under their
 * singular name, an object its fields, nothing (null, an empty list) an empty element.
 */
function content(name: string, value: unknown): unknown {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) {
    const item = itemName(name);
    return value.length === 0 ? '' : { [item]: value.map((v: unknown) => content(item, v)) };
  }
  if (typeof value === 'object') {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) fields[k] = content(k, v);
    return fields;
  }
  return xmlText(String(value));
}

/*
 * fast-xml-parser's builder writes the text straight from the data. A document tree first
 * (xmlbuilder2's) cost a search of a thousand requests about five times as long on the one
 * thread every client shares. Field names are this API's own, never data: none is taken for an
 * attribute or a text node.
 */
const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: true,
  processEntities: true,
  format: false,
});

/** The whole document: an XML declaration naming UTF-8, then the root element. */
export function toXml(root: string, value: unknown): string {
  const body = Array.isArray(value) ? (value.length === 0 ? '' : content(root, value)) : content(root, value);
  return builder.build({ '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' }, [root]: body }) as string;
}
