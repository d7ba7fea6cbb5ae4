import { expect } from "chai";
import { network } from "hardhat";
import {
  type TypedDataDomain,
  type TypedDataField,
  TypedDataEncoder,
  getAddress,
  keccak256,
  toBeHex,
  toUtf8Bytes,
  zeroPadValue,
} from "ethers";

import type { OrderSigningHarness } from "../../types/ethers-contracts/index.js";

/** The Probe order as the TypeScript side signs it; must match OrderSigningHarness.PROBE_TYPEHASH. */
const PROBE_TYPES: Record<string, TypedDataField[]> = {
  Probe: [
    { name: "maker", type: "address" },
    { name: "taker", type: "address" },
    { name: "size", type: "uint256" },
    { name: "quote", type: "uint256" },
    { name: "expiry", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "salt", type: "uint256" },
  ],
};

interface Probe {
  maker: string;
  taker: string;
  size: bigint;
  quote: bigint;
  expiry: bigint;
  nonce: bigint;
  salt: bigint;
}

const MAX_UINT = (1n << 256n) - 1n;
const ZERO = "0x0000000000000000000000000000000000000000";

/** Deterministic stream of 32-byte words from a seed (keccak chain), so a failure names its seed. */
function wordStream(seed: string): () => bigint {
  let state = keccak256(toUtf8Bytes(seed));
  return () => {
    state = keccak256(state);
    return BigInt(state);
  };
}

/** A random uint256 biased towards the edges (0, 1, max, small, one-word) where encoders tend to slip. */
function randomUint(next: () => bigint): bigint {
  const pick = next() % 8n;
  if (pick === 0n) return 0n;
  if (pick === 1n) return MAX_UINT;
  if (pick === 2n) return next() % 1000n;
  if (pick === 3n) return next() >> 128n;
  return next();
}

function randomAddress(next: () => bigint): string {
  if (next() % 6n === 0n) return ZERO;
  return getAddress(zeroPadValue(toBeHex(next() >> 96n), 20));
}

function randomProbe(next: () => bigint): Probe {
  return {
    maker: randomAddress(next),
    taker: randomAddress(next),
    size: randomUint(next),
    quote: randomUint(next),
    expiry: randomUint(next),
    nonce: randomUint(next),
    salt: randomUint(next),
  };
}

async function deployVenue(name: string, version: string) {
  const { ethers, networkHelpers } = await network.create();
  const venue = (await ethers.deployContract("OrderSigningHarness", [name, version])) as unknown as OrderSigningHarness;
  const { chainId } = await ethers.provider.getNetwork();
  const domain: TypedDataDomain = { name, version, chainId, verifyingContract: await venue.getAddress() };
  return { ethers, networkHelpers, venue, domain };
}

describe("shared/orders: TypeScript typed data and the Solidity type hash agree (fault class 16)", () => {
  it("the type string ethers derives hashes to PROBE_TYPEHASH", async () => {
    const { venue } = await deployVenue("Ringfence Probe", "1");
    const encoded = TypedDataEncoder.from(PROBE_TYPES).encodeType("Probe");
    expect(encoded).to.equal(
      "Probe(address maker,address taker,uint256 size,uint256 quote,uint256 expiry,uint256 nonce,uint256 salt)",
    );
    expect(keccak256(toUtf8Bytes(encoded))).to.equal(await venue.PROBE_TYPEHASH());
  });

  it("the domain separator equals TypedDataEncoder.hashDomain", async () => {
    const { venue, domain } = await deployVenue("Ringfence Probe", "1");
    expect(await venue.domainSeparator()).to.equal(TypedDataEncoder.hashDomain(domain));
  });

  it("TypedDataEncoder.hash equals the harness digest for 300 random orders", async () => {
    const { venue, domain } = await deployVenue("Ringfence Probe", "1");
    const seed = "ringfence/orders/typed-data";
    const next = wordStream(seed);
    for (let i = 0; i < 300; i++) {
      const order = randomProbe(next);
      const ts = TypedDataEncoder.hash(domain, PROBE_TYPES, order);
      const sol = await venue.digestOf(order);
      expect(
        sol,
        `seed ${seed}, order #${i}: ${JSON.stringify(order, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}`,
      ).to.equal(ts);
      expect(await venue.hashProbe(order)).to.equal(TypedDataEncoder.from(PROBE_TYPES).hash(order));
    }
  });

  it("a drifted TypeScript type (reordered, renamed or retyped field) no longer matches", async () => {
    const { venue, domain } = await deployVenue("Ringfence Probe", "1");
    const next = wordStream("ringfence/orders/drift");
    const order = randomProbe(next);
    const good = await venue.digestOf(order);
    const fields = PROBE_TYPES.Probe;
    const reordered = { Probe: [fields[1], fields[0], ...fields.slice(2)] };
    const renamed = { Probe: fields.map((f) => (f.name === "quote" ? { name: "price", type: f.type } : f)) };
    const retyped = { Probe: fields.map((f) => (f.name === "nonce" ? { name: f.name, type: "uint128" } : f)) };
    const small = { ...order, nonce: order.nonce & ((1n << 128n) - 1n) };
    const renamedValue = { ...order, price: order.quote };
    expect(TypedDataEncoder.hash(domain, reordered, order)).to.not.equal(good);
    expect(TypedDataEncoder.hash(domain, renamed, renamedValue)).to.not.equal(good);
    expect(TypedDataEncoder.hash(domain, retyped, small)).to.not.equal(await venue.digestOf(small));
  });

  it("signer.signTypedData signatures fill on-chain, and only on the venue and chain they name", async () => {
    const { ethers, networkHelpers, venue, domain } = await deployVenue("Ringfence Probe", "1");
    const [maker, taker] = await ethers.getSigners();
    const other = (await ethers.deployContract("OrderSigningHarness", [
      "Ringfence Probe",
      "1",
    ])) as unknown as OrderSigningHarness;
    const now = BigInt(await networkHelpers.time.latest());
    const next = wordStream("ringfence/orders/sign");
    for (let i = 0; i < 8; i++) {
      const order: Probe = {
        maker: maker.address,
        taker: i % 2 === 0 ? ZERO : taker.address,
        size: 1n + (next() % (2n ** 64n - 2n)), // below the 64-bit fill lane (OrderSizeTooLarge)
        quote: next() % 10n ** 30n,
        expiry: now + 3600n,
        nonce: next() % 1000n,
        salt: next(),
      };
      const sig = await maker.signTypedData(domain, PROBE_TYPES, order);
      const digest = TypedDataEncoder.hash(domain, PROBE_TYPES, order);
      expect(ethers.recoverAddress(digest, sig)).to.equal(maker.address);
      const want = order.size / 2n + 1n;
      await expect(venue.connect(taker).fill(order, sig, want))
        .to.emit(venue, "ProbeFilled")
        .withArgs(
          digest,
          maker.address,
          taker.address,
          want,
          await venue.quoteAt(want, order.size, order.quote),
          0n,
          want,
        );
      expect(await venue.filledOf(order.maker, order.salt)).to.equal(want);
      // The same signature is worthless on another venue.
      await expect(other.connect(taker).fill(order, sig, 1n))
        .to.be.revertedWithCustomError(other, "BadSignature")
        .withArgs(maker.address, await other.digestOf(order));
    }
  });

  it("a signature over another domain name or version is rejected", async () => {
    const { ethers, networkHelpers, venue, domain } = await deployVenue("Ringfence Probe", "1");
    const [maker, taker] = await ethers.getSigners();
    const order: Probe = {
      maker: maker.address,
      taker: ZERO,
      size: 10n,
      quote: 10n,
      expiry: BigInt(await networkHelpers.time.latest()) + 3600n,
      nonce: 0n,
      salt: 7n,
    };
    for (const wrong of [
      { ...domain, name: "Ringfence" },
      { ...domain, version: "2" },
      { ...domain, chainId: 1n },
    ]) {
      const sig = await maker.signTypedData(wrong, PROBE_TYPES, order);
      await expect(venue.connect(taker).fill(order, sig, 1n)).to.be.revertedWithCustomError(venue, "BadSignature");
    }
  });
});
