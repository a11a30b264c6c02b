import { describe, expect, it } from 'vitest';
import { REDACTED, withoutContactData } from '../../../src/domain/pii.ts';

describe('withoutContactData: a value from an outside system, kept without contact data', () => {
  it('replaces every field named for contact details, at any depth and however spelt', () => {
    const change = {
      seq: 7,
      kind: 'REOPENED',
      requester: { name: 'Jane Doe', email: 'jane.doe@example.org', phone: '780-555-0100' },
      ReporterPhone: '(410) 555-0199',
      contact_info: ['Jane', 'jane@example.org'],
      applicant: { street: '10234 98 St NW' },
      details: [{ callerName: 'Bob' }, { 'e-mail': 'x@y.org' }],
      address: '100 Holliday St',
      open: true,
      at: 1_730_822_400_000,
      reportedby: 'JDOE',
      AFFECTEDPERSON: 'JANE',
      customer: { name: 'Jane Doe' },
      tel: 6_135_550_123,
      submittedBy: 'Jane Doe',
      resident: { fullName: 'Jane Doe', homeAddress: '12 Elm St' },
      serviceName: 'Pothole',
      home_address: '12 Elm St',
      name: 'Jane Doe',
    };
    expect(withoutContactData(change)).toEqual({
      seq: 7,
      kind: 'REOPENED',
      requester: REDACTED,
      ReporterPhone: REDACTED,
      contact_info: REDACTED,
      applicant: REDACTED,
      details: [{ callerName: REDACTED }, { 'e-mail': REDACTED }],
      address: '100 Holliday St',
      open: true,
      at: 1_730_822_400_000,
      reportedby: REDACTED,
      AFFECTEDPERSON: REDACTED,
      customer: REDACTED,
      tel: REDACTED,
      submittedBy: REDACTED,
      resident: REDACTED,
      serviceName: 'Pothole',
      home_address: REDACTED,
      name: REDACTED,
    });
  });

  it('replaces the parties a permit or code-enforcement case names, and leaves teams and places', () => {
    const job = {
      owner: 'Jane Roe',
      ownerName: 'Jane Roe',
      OWNER_ADDRESS: '12 Elm St, Apt 4',
      propertyOwnerAddress: '12 Elm St',
      occupant: 'John Q. Public',
      tenantName: 'Ana Lima',
      tenants: ['Ana Lima'],
      violator: { mailing: '99 Oak Ave' },
      respondentInfo: { id: 7 },
      ownergroup: 'ROADS',
      ownerDepartment: 'housing',
      address: '100 Holliday St',
      permitType: 'BUILDING',
    };
    expect(withoutContactData(job)).toEqual({
      owner: REDACTED,
      ownerName: REDACTED,
      OWNER_ADDRESS: REDACTED,
      propertyOwnerAddress: REDACTED,
      occupant: REDACTED,
      tenantName: REDACTED,
      tenants: REDACTED,
      violator: REDACTED,
      respondentInfo: REDACTED,
      ownergroup: 'ROADS',
      ownerDepartment: 'housing',
      address: '100 Holliday St',
      permitType: 'BUILDING',
    });
  });

  it('scrubs every text, so a phone or e-mail typed into a description goes too', () => {
    const out = JSON.stringify(
      withoutContactData({ description: 'pothole, call me on 410-555-0199 or bob@example.org', notes: ['ok'] }),
    );
    expect(out).not.toContain('555-0199');
    expect(out).not.toContain('bob@example.org');
    expect(out).toContain('pothole');
    expect(withoutContactData('write to a@b.org')).not.toContain('a@b.org');
    expect(withoutContactData(null)).toBeNull();
    expect(withoutContactData(42)).toBe(42);
  });

  it('drops what lies deeper than any feed nests instead of walking it', () => {
    let deep: unknown = 'jane@example.org';
    for (let i = 0; i < 100; i++) deep = { next: deep };
    expect(JSON.stringify(withoutContactData(deep))).not.toContain('jane');
  });
});
