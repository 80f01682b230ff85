import { it } from "vitest";
import { compilePolicy } from "../../compiler/compile.js";
it("probe", () => {
  const text = `hostname msa.example.test
listen 127.0.0.1:2525 plain
auth users "/work/main/test/fixtures/users.passwd"
qualify domains example.test
observe enforce address syntax
senders {
  alice: alice@example.test, @sales.example.test
  ops: *
}
allow sender mismatch
enforce senders in headers
limit recipients to @example.test, partner.example for alice, bob
masquerade example.test except mail.example.test in envelope
masquerade example.test in headers
remove header Bcc, X-Originating-IP
enforce message syntax
add Received private
aliases "/tmp/aliases"
`;
  const r = compilePolicy("/tmp/p.msa", text);
  console.log(JSON.stringify(r.diagnostics.map(d=>d.message)), JSON.stringify(r.graph?.stages, (k,v)=> k==="span"?undefined:v));
});
