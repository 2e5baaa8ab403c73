import { expect } from "chai";
import { concat, getAddress, toBeHex, Wallet, ZeroAddress, zeroPadValue } from "ethers";
import hre from "hardhat";

import { safeTxHashes } from "../../lib/safe/hashes";
import { safeTxOf } from "../../lib/safe/prevalidated";
import { proposalBody } from "../../lib/safe/service";
import { localAccountKeys } from "../../lib/signer";
import { ethSignDigest } from "../../lib/safe/signatures";
import type { TxService } from "../../service";
import { BODY_LIMIT } from "../../service/app";
import { hermetic } from "../fixtures/hermetic";
import { deployTestSafe } from "../fixtures/safe";
import { rpcServer, service } from "../fixtures/service";

/**
 * Bad input: hundreds of malformed or hostile requests, each answered with a clear 4xx JSON body (a `message`
 * sentence, no stack trace), the service still serving afterwards and the database unchanged.
 */

interface Attempt {
  name: string;
  method: "GET" | "POST" | "DELETE" | "PUT";
  path: string;
  body?: string;
  contentType?: string;
}

const TABLES = ["safes", "multisig_transactions", "confirmations", "delegates", "messages", "message_confirmations"];

function dump(svc: TxService): string {
  return JSON.stringify(TABLES.map((t) => svc.store.db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()));
}

describe("Embedded transaction service under hostile input @service", function () {
  hermetic();
  this.timeout(300_000);

  it("answers every malformed or hostile request with a 4xx JSON sentence and changes nothing", async function () {
    const { address: safe, owners: ownerSigners } = await deployTestSafe({ ownerCount: 3, threshold: 2 });
    const owners = await Promise.all(ownerSigners.map((o) => o.getAddress()));
    const keys = localAccountKeys(hre, 3);
    const stranger = Wallet.createRandom();
    const { chainId } = await hre.ethers.provider.getNetwork();
    const rpc = await rpcServer();
    const svc = await service(rpc.url);
    try {
      const fields = (nonce: number, value = 1n, chain = chainId) => {
        const f = safeTxOf({ to: owners[1], value }, BigInt(nonce));
        return { f, hash: safeTxHashes(safe, "1.5.0", chain, f).hash };
      };
      const body = (nonce: number, overrides: Record<string, unknown> = {}, chain = chainId) => {
        const { f, hash } = fields(nonce, 1n, chain);
        return { ...proposalBody(f, hash, owners[0], keys[0].signingKey.sign(hash).serialized), ...overrides };
      };
      // One stored proposal with one confirmation, which every attempt below must leave as it is.
      const stored = body(0);
      const post = (path: string, payload: unknown) =>
        fetch(`${svc.url}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(payload),
        });
      expect((await post(`/v2/safes/${safe}/multisig-transactions/`, stored)).status).to.equal(201);
      const storedHash = stored.contractTransactionHash.toLowerCase();
      await svc.indexer.sync(); // the indexer's own bookkeeping settles first
      const before = dump(svc);

      const proposePath = `/v2/safes/${safe}/multisig-transactions/`;
      const confirmPath = `/v1/multisig-transactions/${storedHash}/confirmations/`;
      const attempts: Attempt[] = [];
      const json = (name: string, method: Attempt["method"], path: string, payload: unknown) =>
        attempts.push({ name, method, path, body: JSON.stringify(payload) });

      // Bad JSON, to every write endpoint.
      const broken = ["{", "[1,2", "nul", "{'to': 1}", '{"to": "0x1",}', "\u0000\u0001", '{"a":', "}{", "0x", '"str'];
      for (const path of [proposePath, confirmPath, "/v2/delegates/", `/v1/safes/${safe}/messages/`]) {
        for (const text of broken)
          attempts.push({ name: `bad JSON ${JSON.stringify(text)} to ${path}`, method: "POST", path, body: text });
      }
      // Not an object.
      for (const payload of [null, [], 1, "text", true])
        json(`body ${JSON.stringify(payload)}`, "POST", proposePath, payload);
      // Wrong types and out-of-range values, field by field.
      const wrong: Record<string, unknown[]> = {
        to: [null, 1, "0x1", owners[1].toLowerCase(), "0x" + "g".repeat(40), {}],
        value: [-1, "-1", "1.5", 1.5, "1e3", "0x10", (1n << 256n).toString(), "9".repeat(100), null, []],
        data: ["0x1", "abcd", 12, {}, "0x" + "zz"],
        operation: [2, -1, "1", null, 0.5, "CALL"],
        safeTxGas: [-5, "x", (1n << 300n).toString(), {}],
        baseGas: [-5, "x", [], true],
        gasPrice: ["-1", "1e18", {}],
        gasToken: ["0x0", 5, "0xZZ"],
        refundReceiver: ["0x0", 5, owners[2].toLowerCase()],
        nonce: [-1, "x", 1.5, (2 ** 60).toString(), (1n << 256n).toString(), null],
        contractTransactionHash: ["0x", "0x1234", 5, null, "0x" + "0".repeat(63) + "g"],
        sender: [ZeroAddress, "0x1", 1, null, owners[0].toLowerCase()],
        signature: ["0x", "0x12", 7, {}, "0x" + "ab".repeat(6000)],
        origin: ["x".repeat(201), 5, {}],
      };
      for (const [field, values] of Object.entries(wrong)) {
        for (const value of values)
          json(`${field} = ${JSON.stringify(value)?.slice(0, 40)}`, "POST", proposePath, body(1, { [field]: value }));
      }
      for (const field of ["to", "value", "operation", "nonce", "contractTransactionHash", "sender"]) {
        const payload = body(1) as Record<string, unknown>;
        delete payload[field];
        json(`missing ${field}`, "POST", proposePath, payload);
      }
      // Valid shape, hostile content.
      const { hash: hash1 } = fields(1);
      const strangerSig = stranger.signingKey.sign(hash1).serialized;
      json("wrong chain id in the hash", "POST", proposePath, body(1, {}, chainId + 1n));
      json("stranger as sender", "POST", proposePath, body(1, { sender: stranger.address, signature: strangerSig }));
      json("stranger's signature, owner as sender", "POST", proposePath, body(1, { signature: strangerSig }));
      json(
        "owner's signature of another hash",
        "POST",
        proposePath,
        body(1, { signature: keys[0].signingKey.sign(storedHash).serialized }),
      );
      json(
        "signature by owner 1, sender owner 0",
        "POST",
        proposePath,
        body(1, { signature: keys[1].signingKey.sign(hash1).serialized }),
      );
      json("nonce below the Safe's: tampered re-post", "POST", proposePath, { ...stored, value: "2" });
      json("re-post with a new hash but old fields", "POST", proposePath, {
        ...stored,
        contractTransactionHash: hash1,
      });
      json(
        "duplicated signature",
        "POST",
        proposePath,
        body(1, {
          signature: concat([keys[0].signingKey.sign(hash1).serialized, keys[0].signingKey.sign(hash1).serialized]),
        }),
      );
      // One owner twice in different forms: EIP-712 and eth_sign, EIP-712 and an approved hash.
      const own712 = keys[0].signingKey.sign(hash1).serialized;
      const ownEthSign = keys[0].signingKey.sign(ethSignDigest(hash1));
      const ethSignForm = concat([ownEthSign.r, ownEthSign.s, toBeHex(ownEthSign.v + 4, 1)]);
      for (const [name, second] of [
        ["eth_sign", ethSignForm],
        ["approved hash", concat([zeroPadValue(owners[0], 32), toBeHex(0, 32), "0x01"])],
      ] as const) {
        json(
          `one owner twice, EIP-712 and ${name}`,
          "POST",
          proposePath,
          body(1, { signature: concat([own712, second]) }),
        );
      }
      // A contract signature whose data offset points into the next static part (its r is read as the length).
      json(
        "contract signature data inside the static parts",
        "POST",
        proposePath,
        body(1, { signature: concat([zeroPadValue(owners[1], 32), toBeHex(65, 32), "0x00", own712]) }),
      );
      json("DELEGATECALL to an EOA", "POST", proposePath, body(1, { operation: 1 }));
      // Nothing but a signature shows who sent a proposal: unsigned, anyone could file one under an owner's name.
      json("no signature, an owner as sender", "POST", proposePath, body(1, { signature: undefined }));
      json("null signature, an owner as sender", "POST", proposePath, body(1, { signature: null }));
      json("no signature, the stored proposal re-posted", "POST", proposePath, { ...stored, signature: null });
      const sig65 = keys[1].signingKey.sign(storedHash).serialized;
      const truncated = [
        sig65.slice(0, 2 + 128),
        sig65.slice(0, -2) + "05",
        sig65.slice(0, -2) + "00",
        concat([zeroPadValue(owners[1], 32), toBeHex(9999, 32), "0x00"]),
        concat([zeroPadValue(owners[1], 32), toBeHex(65, 32), "0x00", toBeHex(500, 32), "0x1234"]),
        concat([toBeHex(1n << 200n, 32), toBeHex(0, 32), "0x01"]),
        concat([zeroPadValue(owners[1], 32), toBeHex(0, 32), "0x01"]),
        concat([zeroPadValue(owners[1], 32), toBeHex(65, 32), "0x00", toBeHex(0, 32)]),
        "0x" + "00".repeat(65),
        "0x" + "ff".repeat(65),
      ];
      for (const [i, signature] of truncated.entries())
        json(`malformed confirmation ${i}`, "POST", confirmPath, { signature });
      json("confirmation from a stranger", "POST", confirmPath, {
        signature: stranger.signingKey.sign(storedHash).serialized,
      });
      json("confirmation replayed from another hash", "POST", confirmPath, {
        signature: keys[1].signingKey.sign(hash1).serialized,
      });
      json("confirmation without signature", "POST", confirmPath, {});
      json("confirmation of an unknown hash", "POST", `/v1/multisig-transactions/0x${"ab".repeat(32)}/confirmations/`, {
        signature: sig65,
      });
      // Paths: traversal, bad ids, bad checksums, SQL.
      const badIds = [
        "..%2F..%2Fetc%2Fpasswd",
        "../../etc/passwd",
        "%00",
        "0x" + "ab".repeat(31),
        "0x" + "ab".repeat(33),
        "' OR '1'='1",
        "1;DROP TABLE multisig_transactions",
        "0x" + "zz".repeat(32),
        "%27%20OR%201%3D1--",
        "x".repeat(300),
      ];
      for (const id of badIds) {
        attempts.push({ name: `tx id ${id.slice(0, 30)}`, method: "GET", path: `/v2/multisig-transactions/${id}/` });
        attempts.push({
          name: `confirm id ${id.slice(0, 30)}`,
          method: "POST",
          path: `/v1/multisig-transactions/${id}/confirmations/`,
          body: JSON.stringify({ signature: sig65 }),
        });
        attempts.push({ name: `message id ${id.slice(0, 30)}`, method: "GET", path: `/v1/messages/${id}/` });
      }
      const badAddresses = [
        safe.toLowerCase(),
        "0x" + safe.slice(2).toUpperCase(),
        "0x1234",
        "' OR 1=1 --",
        "..%2F..",
        safe + "00",
        "%00",
      ];
      for (const a of badAddresses) {
        attempts.push({ name: `safe info ${a}`, method: "GET", path: `/v1/safes/${a}/` });
        attempts.push({
          name: `propose to ${a}`,
          method: "POST",
          path: `/v2/safes/${a}/multisig-transactions/`,
          body: JSON.stringify(body(1)),
        });
        attempts.push({ name: `list of ${a}`, method: "GET", path: `/v2/safes/${a}/multisig-transactions/` });
        attempts.push({ name: `owner ${a}`, method: "GET", path: `/v1/owners/${a}/safes/` });
        attempts.push({
          name: `delete delegate ${a}`,
          method: "DELETE",
          path: `/v2/delegates/${a}`,
          body: JSON.stringify({ delegator: owners[0], signature: sig65 }),
        });
      }
      attempts.push({
        name: "a contract that is no Safe",
        method: "GET",
        path: `/v1/safes/${getAddress("0x" + "12".repeat(20))}/`,
      });
      for (const q of [
        "ordering=nonce;DROP TABLE confirmations",
        "ordering=random()",
        "limit=1%20OR%201=1",
        "limit=-1",
        "limit=1e9",
        "offset=abc",
        "nonce=0%20OR%201=1",
        "nonce__gte=-1",
        "executed=maybe",
        "trusted=%27",
        "has_confirmations=2",
      ]) {
        attempts.push({ name: `query ${q}`, method: "GET", path: `${proposePath}?${q}` });
      }
      for (const q of [
        "",
        "label=%27;DROP%20TABLE%20delegates;--&safe=0x1",
        "safe=" + safe.toLowerCase(),
        "limit=x&safe=" + safe,
      ]) {
        attempts.push({ name: `delegates ?${q}`, method: "GET", path: `/v2/delegates?${q}` });
      }
      // Delegates and messages with bad signatures or owners.
      json("delegate: label with SQL, bad signature", "POST", "/v2/delegates/", {
        safe,
        delegate: stranger.address,
        delegator: owners[0],
        label: "'; DROP TABLE delegates; --",
        signature: sig65,
      });
      json("delegate: signed by the delegate itself", "POST", "/v2/delegates/", {
        safe,
        delegate: stranger.address,
        delegator: owners[0],
        label: "self",
        signature: stranger.signingKey.sign(storedHash).serialized,
      });
      json("delegate: label too long", "POST", "/v2/delegates/", {
        safe,
        delegate: stranger.address,
        delegator: owners[0],
        label: "x".repeat(51),
        signature: sig65,
      });
      json("message: stranger's signature", "POST", `/v1/safes/${safe}/messages/`, {
        message: "hi",
        signature: strangerSig,
      });
      json("message: typed data with no types", "POST", `/v1/safes/${safe}/messages/`, {
        message: { domain: {} },
        signature: sig65,
      });
      json("message: empty", "POST", `/v1/safes/${safe}/messages/`, { message: "", signature: sig65 });
      // Typed data the schema's shape admits but EIP-712 cannot hash, or hashes as another primary type than named.
      const mail = [{ name: "contents", type: "string" }];
      const typedAttempts: [string, Record<string, unknown>][] = [
        ["two root types", { types: { Mail: mail, Note: mail }, primaryType: "Mail", message: { contents: "x" } }],
        [
          "an unknown field type",
          { types: { Mail: [{ name: "a", type: "uint999" }] }, primaryType: "Mail", message: { a: 1 } },
        ],
        ["a missing field", { types: { Mail: mail }, primaryType: "Mail", message: {} }],
        [
          "a value of the wrong type",
          { types: { Mail: [{ name: "a", type: "uint8" }] }, primaryType: "Mail", message: { a: "x" } },
        ],
        [
          "a recursive type",
          { types: { Mail: [{ name: "m", type: "Mail" }] }, primaryType: "Mail", message: { m: {} } },
        ],
        [
          "a primaryType other than the hashed one",
          {
            types: { Mail: [{ name: "to", type: "Person" }], Person: [{ name: "name", type: "string" }] },
            primaryType: "Person",
            message: { to: { name: "x" }, name: "x" },
          },
        ],
      ];
      for (const [name, typed] of typedAttempts) {
        json(`message: typed data with ${name}`, "POST", `/v1/safes/${safe}/messages/`, {
          message: { domain: { name: "x", chainId: Number(chainId) }, ...typed },
          signature: sig65,
        });
      }
      json("message signature on unknown message", "POST", `/v1/messages/0x${"cd".repeat(32)}/signatures/`, {
        signature: sig65,
      });
      // Transport-level abuse.
      attempts.push({
        name: "oversized body",
        method: "POST",
        path: proposePath,
        body: JSON.stringify(body(1, { data: "0x" + "ab".repeat(BODY_LIMIT) })),
      });
      attempts.push({
        name: "text/plain body",
        method: "POST",
        path: proposePath,
        body: "to=1",
        contentType: "text/plain",
      });
      attempts.push({ name: "empty JSON body", method: "POST", path: proposePath, body: "" });
      attempts.push({ name: "PUT on a list", method: "PUT", path: proposePath, body: "{}" });
      attempts.push({ name: "unknown endpoint", method: "GET", path: "/v9/anything" });
      attempts.push({ name: "unknown nested path", method: "GET", path: `/v1/safes/${safe}/../../../etc/passwd` });

      expect(attempts.length).to.be.at.least(200);
      for (const attempt of attempts) {
        const response = await fetch(`${svc.url}${attempt.path}`, {
          method: attempt.method,
          headers: { "content-type": attempt.contentType ?? "application/json" },
          body: attempt.body,
        });
        const text = await response.text();
        expect(response.status, `${attempt.name}: ${text.slice(0, 200)}`).to.be.within(400, 499);
        const answer = JSON.parse(text) as Record<string, unknown>;
        expect(answer.message ?? answer.detail, `${attempt.name}: ${text.slice(0, 200)}`).to.be.a("string").and.not
          .empty;
        expect(text, attempt.name).to.not.match(/\n\s+at |node_modules|\.ts:\d+/);
      }
      await svc.indexer.sync();
      expect(dump(svc), "the database after the attempts").to.equal(before);
      const alive = await fetch(`${svc.url}/v2/multisig-transactions/${storedHash}/`);
      expect(alive.status).to.equal(200);
      console.log(`      ${attempts.length} hostile requests, each refused with a 4xx sentence`);
    } finally {
      await svc.close();
      await rpc.close();
    }
  });
});
