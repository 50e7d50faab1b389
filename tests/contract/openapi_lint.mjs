// Validates an OpenAPI document with a well-kept validator (swagger-parser:
// the OpenAPI 3.0 JSON schema, every $ref resolved, path parameters declared),
// plus what it leaves out: operationIds must be unique (clients generated
// from the document name their methods after them). Exit 1 on any finding.
//   node tests/contract/openapi_lint.mjs docs/openapi.yaml
import SwaggerParser from "@apidevtools/swagger-parser";

const file = process.argv[2];
if (!file) {
  console.error("usage: openapi_lint.mjs <openapi.yaml>");
  process.exit(2);
}
let api;
try {
  api = await SwaggerParser.validate(file);
} catch (error) {
  console.error(`${file}: ${error.message}`);
  process.exit(1);
}
const operations = Object.values(api.paths).flatMap((item) => Object.values(item));
const seen = new Set();
for (const { operationId } of operations) {
  if (seen.has(operationId)) {
    console.error(`${file}: operationId ${operationId} is used twice`);
    process.exit(1);
  }
  seen.add(operationId);
}
console.log(`${file}: valid OpenAPI ${api.openapi}, ${operations.length} operations`);
