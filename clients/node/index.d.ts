// Declarations of the epmock kit (index.cjs, index.mjs), written by hand and checked by
// `tsc --noEmit --strict` in the kit's tests.

/** A refusal, a failure to start, or a wait that timed out. */
export declare class EpmockError extends Error {
  /** The HTTP status, when the server answered. */
  status?: number;
  /** The answer's body: the platform's error shape parsed, or the text. */
  body?: unknown;
  /** What the server wrote on stderr, when it exited before its ready line. */
  stderr?: string;
  exitCode?: number | null;
  /** What did arrive, when a wait timed out. */
  arrived?: unknown;
}

export interface StartOptions {
  /** The epmock binary; else EPMOCK_BIN, else `epmock` on PATH. */
  binary?: string;
  /** More `epmock serve` flags, e.g. ['--max-attempts', '3']. */
  args?: string[];
  /** Added to the server's environment. */
  env?: Record<string, string>;
  /** How long to wait for the ready line (20 s by default). */
  readyTimeoutMs?: number;
  /** An admin token the server requires (EPMOCK_ADMIN_TOKEN). */
  token?: string;
  /** 'virtual': a server of its own whose clock stands still until moved (epmock.clock). */
  clock?: 'real' | 'virtual';
  /** The clock's start, RFC 3339 (2030-01-01T00:00:00Z for a virtual one). */
  clockStart?: string;
}

/** The server's clock as GET /__admin/clock shows it (docs/CLOCK.md). */
export interface ClockState {
  mode: 'real' | 'virtual';
  now: string;
  now_ms: number;
  running: boolean;
  next_due: string | null;
  pending: number;
}

export interface ClockWaitOptions {
  /** Real time to wait for the work the clock runs (10 s by default). */
  timeoutMs?: number;
}

/** The server's clock: one for all its stores; only a virtual one moves. */
export declare class Clock {
  read(): Promise<ClockState>;
  now(): Promise<Date>;
  /** Moves it on by `ms`, running what falls due in order; resolves once that work ended. */
  advance(ms: number, options?: ClockWaitOptions): Promise<ClockState>;
  advanceTo(time: Date | string, options?: ClockWaitOptions): Promise<ClockState>;
  /** Until nothing is in flight or due, at most `maxMs` of the clock's time (a day). */
  runUntilIdle(options?: ClockWaitOptions & { maxMs?: number }): Promise<ClockState>;
  freeze(): Promise<ClockState>;
  /** Lets it run on at the pace of real time from its virtual now. */
  resume(): Promise<ClockState>;
}

export interface ConnectOptions {
  /** The admin token the server requires (X-Epmock-Admin-Token). */
  token?: string;
  /** Else learnt from GET /__admin/health. */
  sqsUrl?: string;
  stompUrl?: string;
}

/** An integration as the API returns it (`data` of POST /v2/integrations). */
export interface Integration {
  id: string;
  type: 'integration';
  name: string;
  description?: string;
  enabled: boolean;
  integration_type: 'webhook' | 'aws_sqs' | 'stomp';
  observes: string[];
  configuration: Record<string, unknown>;
  links?: { self: string };
  meta?: { timestamps: { created_at: string; updated_at: string } };
  [key: string]: unknown;
}

export interface WebhookOptions {
  /** Where to deliver; this store's embedded sink by default. */
  url?: string;
  /** Another embedded sink's name. */
  sink?: string;
  secretKey?: string;
  name?: string;
  enabled?: boolean;
}

export interface SqsOptions {
  /** A queue of the embedded endpoint, created; a fresh name by default. */
  queue?: string;
  /** Another queue's URL (nothing is created). */
  url?: string;
  awsAccessKeyId?: string;
  awsSecretAccessKey?: string;
  region?: string;
  name?: string;
}

export interface StompOptions {
  /** The embedded broker by default. */
  addresses?: string[];
  /** A fresh /queue/... by default. */
  destination?: string;
  username?: string;
  password?: string;
  name?: string;
}

/** An event as POST /__admin/events answers it: its id, type and jobs. */
export interface TriggeredEvent {
  id: string;
  type: string;
  jobs?: Array<{ id: string; integration_id: string; [key: string]: unknown }>;
  [key: string]: unknown;
}

export interface TriggerOptions {
  /** The resource; a realistic one by default. */
  data?: Record<string, unknown>;
  included?: Record<string, unknown>;
}

export interface BatchOptions {
  count?: number;
  seed?: number;
  profile?: 'realistic' | 'edge-cases' | 'forward-compatible' | string;
}

export interface StoryOptions {
  seed?: number;
  concurrent?: boolean;
  max_jitter_ms?: number;
  set?: Record<string, unknown>;
  count?: number;
}

export interface StoryRun {
  id: string;
  story: string;
  state: 'running' | 'delivered' | 'failed' | 'stopped';
  error?: string;
  [key: string]: unknown;
}

/** A delivery fault (POST /__admin/faults): docs/ADMIN_API.md lists the fields. */
export interface Fault {
  /** Only this integration's deliveries; every integration's by default. */
  integration_id?: string;
  /** Send each delivery this many more times. */
  duplicate?: number;
  /** Hold deliveries and send them in another order, within the window. */
  reorder?: number;
  reorder_window_ms?: number;
  delay_ms?: number;
  /** Fail the first N attempts of each delivery (it is retried). */
  fail_first_attempts?: number;
  late_first_attempts?: number;
  /** Events the fault applies to, then it is used up. */
  events?: number;
  /** Deliver one the receiver must refuse. */
  refuse?: 'wrong_secret' | 'missing_secret' | 'invalid_json' | 'other_store';
  replay?: number;
  replay_after_ms?: number;
  [key: string]: unknown;
}

/** A fault on consumers' own calls to the embedded SQS endpoint (POST /__admin/sqs/faults). */
export interface SqsFault {
  action: 'ReceiveMessage' | 'DeleteMessage';
  /** throttled: 400 ThrottlingException; internal_error: 500; stale_receipt (DeleteMessage): ReceiptHandleIsInvalid, not deleted. */
  error: 'throttled' | 'internal_error' | 'stale_receipt';
  /** Only calls on this queue; any when absent. */
  queue?: string | null;
  /** How many matching calls (1 by default, up to 1000). */
  requests?: number;
}

/** A fault on consumers' connections to the embedded STOMP broker (POST /__admin/stomp/faults). */
export interface StompFault {
  /** drop_connection: the socket is shut; error_frame: an ERROR frame, then the close. The message waits for the next subscriber. */
  error: 'drop_connection' | 'error_frame';
  /** Only deliveries on this destination; any when absent. */
  destination?: string | null;
  /** How many deliveries it takes (1 by default, up to 1000). */
  messages?: number;
}

/** What certify grades (POST /__admin/certify; docs/CERTIFY.md): the command's flags with _ for -. */
export type CertifyOptions =
  | {
      kind?: 'webhook';
      url: string;
      secret: string;
      observes: string[] | string;
      effects_url?: string;
      settle_ms?: number;
      timeout_ms?: number;
      burst?: number;
      seed?: number;
      client_id?: string;
      store_id?: string;
      org_id?: string;
      insecure?: boolean;
    }
  | {
      kind: 'sqs';
      queue: string;
      observes: string[] | string;
      sqs_port?: number;
      connect_timeout_ms?: number;
      message_timeout_ms?: number;
      burst?: number;
      seed?: number;
      client_id?: string;
      store_id?: string;
      org_id?: string;
    }
  | {
      kind: 'stomp';
      destination: string;
      observes: string[] | string;
      stomp_port?: number;
      connect_timeout_ms?: number;
      message_timeout_ms?: number;
      burst?: number;
      seed?: number;
      client_id?: string;
      store_id?: string;
      org_id?: string;
    };

export interface CertifyCheckSummary {
  group: string;
  name: string;
  verdict: 'pass' | 'fail' | 'inconclusive';
  reason: string;
}

/** A certify run: its checks as they end, and the whole report (as --json writes it) once done. */
export interface CertifyRun {
  id: string;
  kind: 'webhook' | 'sqs' | 'stomp';
  status: 'running' | 'pass' | 'fail' | 'inconclusive' | 'error' | 'cancelled';
  checks_done: number;
  checks: CertifyCheckSummary[];
  started_at: string;
  ended_at: string | null;
  report: Record<string, unknown> | null;
  error: string | null;
  /** An SQS run: where its worker is to connect, once the queue is made. */
  sqs?: { sqs_url: string; queue_url: string };
  /** A STOMP run: where its consumer is to subscribe, once the broker listens. */
  stomp?: { stomp_url: string; destination: string };
}

/** An API fault (POST /__admin/api-faults). */
export interface ApiFault {
  status?: number;
  delay_ms?: number;
  /** Reset the connection instead of answering. */
  reset?: boolean;
  /** How many requests it applies to (1 by default). */
  requests?: number;
  method?: string;
  path?: string;
  [key: string]: unknown;
}

export interface SinkRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Parsed when JSON, else the text. */
  body: any;
  received_at: string;
  store_id: string | null;
}

export interface QueuedMessage {
  message_id: string;
  /** Parsed when JSON, else the text. */
  body: any;
  attributes: Record<string, string>;
  receive_count: number;
}

export interface DeliveryLog {
  id: string;
  event_id: string;
  attempt: number;
  status_code: number;
  error_detail: string;
  final: boolean;
  [key: string]: unknown;
}

export interface WaitOptions {
  timeoutMs?: number;
}

export interface WaitForEventOptions extends WaitOptions {
  /**
   * An event id: the first such event after it; '' for any. By default, after the one the
   * previous wait for this type returned, or the store's newest event when the store object
   * was made.
   */
  after?: string;
}

/** One isolated store of a server: its client id and token, and what tests do with it. */
export declare class Store {
  readonly epmock: Epmock;
  readonly clientId: string;
  /** The store's Bearer token. */
  token: string;
  /** The embedded sink its webhooks go to unless given a url. */
  readonly sink: string;
  /** Any admin or API call as this store; a refusal throws an EpmockError. */
  request(method: string, path: string, body?: unknown, expected?: number[]): Promise<any>;
  createWebhookIntegration(observes: string[], options?: WebhookOptions): Promise<Integration>;
  createSqsIntegration(observes: string[], options?: SqsOptions): Promise<Integration>;
  createStompIntegration(observes: string[], options?: StompOptions): Promise<Integration>;
  trigger(type: string, options?: TriggerOptions): Promise<TriggeredEvent>;
  triggerBatch(type: string, options?: BatchOptions): Promise<Array<{ id: string; [key: string]: unknown }>>;
  runStory(name: string, options?: StoryOptions): Promise<StoryRun>;
  waitForStory(runId: string, options?: WaitOptions): Promise<StoryRun>;
  addFault(fault: Fault): Promise<Fault & { id: string }>;
  addApiFault(fault: ApiFault): Promise<ApiFault & { id: string }>;
  addSqsFault(fault: SqsFault): Promise<SqsFault & { id: string }>;
  sqsFaults(): Promise<Array<SqsFault & { id: string }>>;
  clearSqsFaults(): Promise<void>;
  addStompFault(fault: StompFault): Promise<StompFault & { id: string }>;
  stompFaults(): Promise<Array<StompFault & { id: string }>>;
  clearStompFaults(): Promise<void>;
  /** epmock certify on a server of its own; resolves once the run has ended. */
  certify(options: CertifyOptions, wait?: { timeoutMs?: number }): Promise<CertifyRun>;
  startCertify(options: CertifyOptions): Promise<CertifyRun>;
  certifyRun(id: string, options?: { waitMs?: number }): Promise<CertifyRun>;
  waitForEvent(type: string, options?: WaitForEventOptions): Promise<TriggeredEvent>;
  webhookDeliveries(sink?: string): Promise<SinkRequest[]>;
  sqsMessages(queue: string): Promise<QueuedMessage[]>;
  logs(): Promise<DeliveryLog[]>;
  reset(): Promise<void>;
}

/** A running epmock: started by startEpmock, or attached to by connectEpmock. */
export declare class Epmock {
  readonly apiUrl: string;
  sqsUrl: string;
  stompUrl: string;
  /** The admin token sent with every call ('' when none). */
  readonly token: string;
  /** The server's clock (docs/CLOCK.md). */
  readonly clock: Clock;
  /** An isolated store: a fresh client id by default. */
  store(clientId?: string): Promise<Store>;
  /** Stops a server this kit started; on an attached one, only lets go. */
  stop(): Promise<void>;
}

export declare function startEpmock(options?: StartOptions): Promise<Epmock>;
export declare function connectEpmock(url: string, options?: ConnectOptions): Promise<Epmock>;
/** The URL of a queue of the embedded endpoint. */
export declare function queueUrl(epmock: Epmock, queue: string): string;

declare const kit: {
  startEpmock: typeof startEpmock;
  connectEpmock: typeof connectEpmock;
  queueUrl: typeof queueUrl;
  EpmockError: typeof EpmockError;
};
export default kit;
