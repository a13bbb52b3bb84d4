package vulndb

// flateDict primes the compressor of every stored record. Records are
// compressed one by one (a lookup must decode only what it returns), and a
// lone 2 KiB record gives DEFLATE little to work with; most of its bytes are
// OSV field names and boilerplate shared by thousands of records. Measured on
// /work/shared/osv (45,730 records, 100.8 MB of JSON) at level 6: 40.3 MB
// without a dictionary, 24.2 MB with this one. Changing a byte here changes
// the encoding: bump SchemaVersion.
//
// The first paragraph is the standard text of GitHub's malware advisories
// (GHSA, CC-BY 4.0), repeated verbatim in every MAL record imported from them;
// the rest is OSV schema structure with values left empty.
const flateDict = `Any computer that has this package installed or running should be considered fully compromised. All secrets and keys stored on that computer should be rotated immediately from a different computer. The package should be removed, but as full control of the computer may have been given to an outside entity, there is no guarantee that removing the package will remove all malicious software resulting from installing it.\n` +
	`"database_specific": {"cwes": [{"cweId": "CWE-506","description": "The product contains code that appears to be malicious in nature.","name": "Embedded Malicious Code"}]}}],"references": [{"type": "ADVISORY","url": "https://github.com/advisories/GHSA-"}],"database_specific": {"malicious-packages-origins": [{"id": "GHSA-","import_time": "2024-","modified_time": "2024-","ranges": [{"events": [{"introduced": "0"}],"type": "SEMVER"}],"sha256": "","source": "ghsa-malware"}]}}
{"schema_version":"1.6.0","id":"","modified":"","published":"","withdrawn":"","aliases":["CVE-"],"related":[],"summary":"","details":"","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],"affected":[{"package":{"ecosystem":"PyPI","name":"","purl":"pkg:pypi/"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":""}]}],"versions":[],"ecosystem_specific":{"imports":[{"path":"","symbols":[]}]},"database_specific":{"source":"https://github.com/pypa/advisory-database/blob/main/vulns/"}}],"references":[{"type":"WEB","url":"https://"},{"type":"PACKAGE","url":"https://"},{"type":"FIX","url":"https://github.com/"},{"type":"REPORT","url":"https://"}],"database_specific":{"url":"https://pkg.go.dev/vuln/GO-","review_status":"REVIEWED","github_reviewed":true,"github_reviewed_at":"","nvd_published_at":"","severity":"HIGH","cwe_ids":["CWE-"]}}
{
  "schema_version": "1.5.0",
  "id": "MAL-2024-",
  "modified": "2024-",
  "published": "2024-",
  "aliases": [
  "summary": "Malicious code in  (npm)",
  "details": "\n---\n_-= Per source details. Do not edit below this line.=-_\n\n## Source: ghsa-malware ()\n",
  "affected": [
    {
      "package": {
        "ecosystem": "npm",
        "name": ""
      },
      "ranges": [
        {
          "type": "SEMVER",
          "events": [
            {
              "introduced": "0"
            }
          ]
        }
      ],
`
