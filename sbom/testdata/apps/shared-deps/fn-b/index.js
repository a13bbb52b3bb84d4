exports.handler = async () => require("semver").valid("1.0.0");
