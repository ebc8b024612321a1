import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One certificate and its key, as PEM text and as files. */
export interface CertFiles {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
  /** 'sha256:AB:CD:...', as the router logs it. */
  fingerprint: string;
}

/** Certificates made for one test file, in a temporary folder removed by remove(). */
export interface TestCerts {
  dir: string;
  /** Self-signed, for 127.0.0.1 and localhost: the home setup, to be pinned. */
  selfSigned: CertFiles;
  /** Another self-signed one: a router the client did not pin. */
  other: CertFiles;
  /** A private CA (certificate only; its key is thrown away with the folder). */
  caFile: string;
  ca: string;
  /** Issued by the CA for 127.0.0.1 and localhost. */
  issued: CertFiles;
  remove(): Promise<void>;
}

const names = 'subjectAltName=IP:127.0.0.1,DNS:localhost';
const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * Make fresh certificates with the openssl command line (node:crypto makes keys
 * but no X.509 certificates). Nothing is committed: every run makes its own.
 */
export async function makeTestCerts(): Promise<TestCerts> {
  const dir = await mkdtemp(join(tmpdir(), 'thoth-tls-'));
  const path = (name: string) => join(dir, name);
  const selfSigned = async (name: string): Promise<CertFiles> => {
    await openssl(['req', '-x509', ...ecKey, '-keyout', path(`${name}.key`), '-out', path(`${name}.pem`), '-days', '2', '-subj', `/CN=${name}`, '-addext', names]);
    return load(path(`${name}.pem`), path(`${name}.key`));
  };
  try {
    const home = await selfSigned('home');
    const other = await selfSigned('other');
    await openssl(['req', '-x509', ...ecKey, '-keyout', path('ca.key'), '-out', path('ca.pem'), '-days', '2', '-subj', '/CN=thoth test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
    await openssl(['req', ...ecKey, '-keyout', path('issued.key'), '-out', path('issued.csr'), '-subj', '/CN=localhost']);
    await writeFile(path('issued.ext'), `${names}\nbasicConstraints=CA:FALSE\n`);
    await openssl(['x509', '-req', '-in', path('issued.csr'), '-CA', path('ca.pem'), '-CAkey', path('ca.key'), '-set_serial', '1',
      '-days', '2', '-extfile', path('issued.ext'), '-out', path('issued.pem')]);
    await rm(path('ca.key'));
    return {
      dir,
      selfSigned: home,
      other,
      caFile: path('ca.pem'),
      ca: await readFile(path('ca.pem'), 'utf8'),
      issued: await load(path('issued.pem'), path('issued.key')),
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (error) {
    const { code, stderr } = error as NodeJS.ErrnoException & { stderr?: string };
    if (code === 'ENOENT') throw new Error('the TLS tests need the openssl command (apt-get install openssl)');
    throw new Error(`openssl ${args[0]} failed: ${stderr ?? (error as Error).message}`);
  }
}

async function load(certFile: string, keyFile: string): Promise<CertFiles> {
  const cert = await readFile(certFile, 'utf8');
  return { cert, key: await readFile(keyFile, 'utf8'), certFile, keyFile, fingerprint: `sha256:${new X509Certificate(cert).fingerprint256}` };
}
