import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';

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

/** Text (or an attribute value) as XML 1.0 can carry it; markup is escaped by xmlbuilder2. */
function xmlText(value: string): string {
  return value.replace(NOT_XML_CHAR, '\uFFFD');
}

function put(parent: XMLBuilder, name: string, value: unknown): void {
  const el = parent.ele(name);
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const item of value) put(el, itemName(name), item);
  } else if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) put(el, k, v);
  } else {
    // xmlbuilder2 escapes markup characters but passes forbidden ones through.
    el.txt(xmlText(String(value)));
  }
}

/** The whole document: an XML declaration naming UTF-8, then the root element. */
export function toXml(root: string, value: unknown): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  if (Array.isArray(value)) {
    const el = doc.ele(root);
    for (const item of value) put(el, itemName(root), item);
  } else {
    put(doc, root, value);
  }
  return doc.end({ prettyPrint: false });
}
