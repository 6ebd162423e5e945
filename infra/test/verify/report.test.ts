import {
  type ResultRow,
  formatFailures,
  formatSummary,
  formatTable
} from '../../verify/report';

const rows: ResultRow[] = [
  {
    role: 'readers',
    via: 'iam',
    check: 'tracking: experiments.delete',
    expected: 'refuse',
    got: '200',
    verdict: 'FALSE ALLOW',
    meaning: 'a readers request reached MLflow'
  },
  {
    role: 'admins',
    via: 'token',
    check: 'tracking: experiments.get',
    expected: 'allow',
    got: '400 INVALID_PARAMETER_VALUE',
    verdict: 'pass'
  },
  {
    role: 'model-approvers',
    via: 'iam',
    check: 'every check of this path',
    expected: '-',
    got: 'no IAM credentials for this role',
    verdict: 'not checked'
  }
];

describe('formatTable', () => {
  it('prints a header and one aligned row per check', () => {
    const lines = formatTable(rows).split('\n');
    expect(lines).toHaveLength(2 + rows.length);
    expect(lines[0].split(/\s{2,}/)).toEqual([
      'role',
      'via',
      'check',
      'expected',
      'got',
      'verdict'
    ]);
    expect(lines[2].split(/\s{2,}/)).toEqual([
      'readers',
      'iam',
      'tracking: experiments.delete',
      'refuse',
      '200',
      'FALSE ALLOW'
    ]);
    // Columns start at the same place on every line.
    const verdictColumn = lines[0].indexOf('verdict');
    expect(lines[2].indexOf('FALSE ALLOW')).toBe(verdictColumn);
    expect(lines[3].indexOf('pass')).toBe(verdictColumn);
  });

  it('cuts long cells', () => {
    const long = { ...rows[1], check: 'x'.repeat(200) };
    expect(formatTable([long]).split('\n')[2].length).toBeLessThan(150);
  });
});

describe('formatSummary and formatFailures', () => {
  it('counts the verdicts, not-checked paths apart', () => {
    expect(formatSummary(rows)).toBe(
      '2 checks: 1 pass, 1 FALSE ALLOW; 1 not checked'
    );
  });

  it('says what each failure means', () => {
    expect(formatFailures(rows)).toEqual([
      'FALSE ALLOW: readers via iam, tracking: experiments.delete: got 200. a readers request reached MLflow'
    ]);
  });
});
