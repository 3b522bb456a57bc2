// A per-run certificate authority and a wildcard leaf for `*.<subdomain>.workers.dev`, made with
// the openssl CLI (node:crypto cannot sign X.509 certificates). Test infrastructure only.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export interface EdgeCertificates {
  caCertPath: string;
  caPem: string;
  leafKeyPem: string;
  leafCertPem: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await execFileAsync("openssl", args, { cwd, timeout: 30_000, maxBuffer: 1024 * 1024 });
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    const detail =
      typeof stderr === "string" && stderr.trim() !== "" ? stderr.trim().slice(0, 2000) : String(error);
    throw new Error(`openssl ${args[0] ?? ""} failed: ${detail}`);
  }
}

/** Writes ca.key, ca.pem, leaf.key, leaf.pem into `dir` (which must be private to this run). */
export async function createCertificates(dir: string, subdomain: string): Promise<EdgeCertificates> {
  const days = "7";
  const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl(
    [
      "req",
      "-x509",
      ...ecKey,
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      days,
      "-subj",
      `/O=Cloudflare stand-in/CN=Cloudflare stand-in edge CA ${randomBytes(4).toString("hex")}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
      "-addext",
      "subjectKeyIdentifier=hash",
    ],
    dir,
  );
  await openssl(
    [
      "req",
      "-new",
      ...ecKey,
      "-keyout",
      "leaf.key",
      "-out",
      "leaf.csr",
      "-subj",
      `/CN=*.${subdomain}.workers.dev`,
    ],
    dir,
  );
  await writeFile(
    path.join(dir, "leaf.ext"),
    [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth",
      `subjectAltName=DNS:*.${subdomain}.workers.dev,DNS:${subdomain}.workers.dev`,
      "subjectKeyIdentifier=hash",
      "authorityKeyIdentifier=keyid,issuer",
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  await openssl(
    [
      "x509",
      "-req",
      "-in",
      "leaf.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-set_serial",
      `0x${randomBytes(8).toString("hex")}`,
      "-days",
      days,
      "-extfile",
      "leaf.ext",
      "-out",
      "leaf.pem",
    ],
    dir,
  );
  const caCertPath = path.join(dir, "ca.pem");
  const [caPem, leafKeyPem, leafCertPem] = await Promise.all([
    readFile(caCertPath, "utf8"),
    readFile(path.join(dir, "leaf.key"), "utf8"),
    readFile(path.join(dir, "leaf.pem"), "utf8"),
  ]);
  return { caCertPath, caPem, leafKeyPem, leafCertPem };
}
