#!/usr/bin/env python3
"""Writes iam/testdata/sam_golden.json: a few SAM policy templates expanded by
aws-sam-translator itself (a full offline transform of a small SAM template),
rendered in Sub-normal form, for iam's tests to compare its own expansion with.

    python3 iam/internal/gen/gen_sam_golden.py
"""
import json
import os
import re
import sys

import samtranslator
from samtranslator.translator.transform import transform

# Each case: template name, its parameters as written in a SAM template, and
# the same parameters in Sub-normal form as fnguard's app reader passes them.
CASES = [
    ("DynamoDBCrudPolicy", {"TableName": {"Ref": "OrdersTable"}}, {"TableName": "${OrdersTable}"}),
    ("S3FullAccessPolicy", {"BucketName": {"Ref": "UploadBucket"}}, {"BucketName": "${UploadBucket}"}),
    ("SQSPollerPolicy", {"QueueName": {"Fn::GetAtt": ["WorkQueue", "QueueName"]}},
     {"QueueName": "${WorkQueue.QueueName}"}),
    ("AWSSecretsManagerRotationPolicy", {"FunctionName": "rotator"}, {"FunctionName": "rotator"}),
    ("EFSWriteAccessPolicy", {"FileSystem": {"Ref": "Fs"}, "AccessPoint": {"Ref": "Ap"}},
     {"FileSystem": "${Fs}", "AccessPoint": "${Ap}"}),
]


class NoManagedPolicies:
    """The transform is offline: no SAM policy in CASES is a managed policy."""

    def load(self):
        return {}


def render(node):
    if isinstance(node, str):
        return node
    (fn, arg), = node.items()
    if fn == "Ref":
        return "${" + arg + "}"
    if fn == "Fn::GetAtt":
        return "${" + ".".join(arg) + "}"
    if fn == "Fn::Join":
        return arg[0].join(render(p) for p in arg[1])
    if fn == "Fn::Sub":
        text, variables = (arg, {}) if isinstance(arg, str) else arg
        vals = {k: render(v) for k, v in variables.items()}
        return re.sub(r"\$\{([^}]*)\}", lambda m: vals.get(m.group(1), m.group(0)), text)
    sys.exit(f"cannot render {node!r}")


def as_list(v):
    if v is None:
        return []
    return [render(x) for x in (v if isinstance(v, list) else [v])]


def main():
    # Offline, as the fixtures were made: only the region is needed, and
    # nothing below depends on it.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    resources = {
        "OrdersTable": {"Type": "AWS::DynamoDB::Table"},
        "UploadBucket": {"Type": "AWS::S3::Bucket"},
        "WorkQueue": {"Type": "AWS::SQS::Queue"},
    }
    for i, (name, sam_params, _) in enumerate(CASES):
        resources[f"Fn{i}"] = {
            "Type": "AWS::Serverless::Function",
            "Properties": {"Runtime": "python3.12", "Handler": "app.handler",
                           "CodeUri": "s3://bucket/key.zip", "Policies": [{name: sam_params}]},
        }
    out = transform({"Transform": "AWS::Serverless-2016-10-31", "Resources": resources}, {},
                    NoManagedPolicies())
    golden = []
    for i, (name, _, params) in enumerate(CASES):
        policies = out["Resources"][f"Fn{i}Role"]["Properties"]["Policies"]
        if len(policies) != 1:
            sys.exit(f"{name}: want one inline policy, got {len(policies)}")
        stmts = []
        for s in policies[0]["PolicyDocument"]["Statement"]:
            st = {"effect": s["Effect"], "actions": as_list(s.get("Action")),
                  "resources": as_list(s.get("Resource"))}
            if "Condition" in s:
                st["has_condition"] = True
            stmts.append(st)
        golden.append({"template": name, "params": params, "statements": stmts})
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata", "sam_golden.json")
    with open(os.path.normpath(path), "w") as f:
        json.dump({"source": f"aws-sam-translator {samtranslator.__version__} transform", "cases": golden},
                  f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
