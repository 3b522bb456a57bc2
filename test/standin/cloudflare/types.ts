// Shapes shared by the Cloudflare stand-in's modules.

/** SPEC §8: the JSON served at CLOUDFLARE_STANDIN_STATE_URL. */
export interface StandinState {
  workers: StandinWorker[];
  applications: StandinApplication[];
  images: string[];
}

export interface StandinWorker {
  name: string;
  versionId: string;
  /** secret names only, sorted; values are never served over HTTP */
  secrets: string[];
  vars: Record<string, string>;
  url: string;
}

export interface StandinApplication {
  id: string;
  name: string;
  workerName: string | null;
  image: string;
  instanceType: string | null;
  maxInstances: number | null;
}

/** Makes the next matching API call(s) fail. */
export interface Fault {
  /** HTTP method to match (any when omitted), case-insensitive */
  method?: string;
  /** regular expression (source string or RegExp) tested against the request path, e.g. "/containers/applications$" */
  pathPattern: string | RegExp;
  /** response status, default 500 */
  status?: number;
  /** how many matching calls fail, default 1 */
  times?: number;
  /** response body (JSON), default a Cloudflare error envelope */
  body?: unknown;
  /** extra response headers, e.g. {"retry-after": "1"} for a 429 or 503 with a retry hint */
  headers?: Record<string, string>;
  /** never answer: the request is held open (no status, no body) until the client gives up or the stand-in closes */
  hang?: boolean;
}

export interface Binding {
  type: string;
  name: string;
  [key: string]: unknown;
}

export interface ScriptVersion {
  id: string;
  number: number;
  createdOn: string;
  bindings: Binding[];
  /** the parsed `metadata` part of the upload, bindings with secret text removed */
  metadata: Record<string, unknown>;
  /** the main module's name and size, for GET …/content style calls */
  mainModule: string | undefined;
}

export interface Script {
  name: string;
  tag: string;
  createdOn: string;
  modifiedOn: string;
  versions: ScriptVersion[];
  currentVersionId: string;
  /** current bindings (secret_text bindings keep their text here, in memory only) */
  bindings: Binding[];
  subdomainEnabled: boolean;
  previewsEnabled: boolean;
  migrationTag: string | undefined;
  tags: string[];
}

export interface DurableObjectNamespace {
  id: string;
  name: string;
  script: string;
  class: string;
  use_sqlite: boolean;
}

export interface Rollout {
  id: string;
  created_at: string;
  last_updated_at: string;
  description: string;
  status: "pending" | "progressing" | "completed" | "reverted" | "replaced";
  kind: string;
  strategy: string;
  current_version: number;
  target_version: number;
  steps: unknown[];
  target_configuration: unknown;
  progress: { total_steps: number; current_step: number; updated_instances: number; total_instances: number };
}

/** A container application as the Containers API returns it (the request body plus server fields). */
export interface Application {
  id: string;
  name: string;
  account_id: string;
  created_at: string;
  updated_at: string;
  version: number;
  instances: number;
  max_instances: number;
  scheduling_policy: string;
  configuration: { image: string; instance_type?: string; [key: string]: unknown };
  durable_objects?: { namespace_id: string };
  constraints?: unknown;
  active_rollout_id?: string;
  health: { instances: Record<string, number> };
  [key: string]: unknown;
}
