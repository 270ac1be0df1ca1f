// Starts `epmock serve` on ephemeral ports for a peer test and stops it afterwards.
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');

const binary = process.env.EPMOCK_BIN || path.resolve(__dirname, '../../build/epmock');

// Resolves with { url, port, stop() } once epmock prints its ready line. `env` adds to the
// environment it runs in (EPMOCK_ADMIN_TOKEN, say).
function startEpmock(extraArgs = [], env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['serve', '--port', '0', '--sqs-port', '0', '--stomp-port', '0', ...extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`epmock did not get ready in 10 s; stderr: ${stderr}`));
    }, 10000);
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = stdout.match(/^epmock ready api=(http:\/\/([^:\s]+):(\d+)) sqs=(http:\/\/\S+) stomp=(stomp:\/\/\S+)/m);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        url: m[1],
        host: `${m[2]}:${m[3]}`,
        sqsUrl: m[4],
        stompUrl: m[5],
        stop: () => new Promise((done) => {
          child.once('exit', (code, signal) => done({ code, signal }));
          child.kill('SIGTERM');
        }),
      });
    });
  });
}

// A caller of epmock's API as client CLIENT_ID: (method, path, body) -> {status, json}.
// call.token() is the Authorization header it sends.
async function apiClient(epmock, clientId) {
  const token = await fetch(`${epmock.url}/oauth/access_token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `grant_type=client_credentials&client_secret=s&client_id=${clientId}`,
  }).then((r) => r.json());
  const call = (method, path, body) => fetch(`${epmock.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token.access_token}`, 'Content-Type': 'application/json' },
    body: body && JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, json: await r.json().catch(() => null) }));
  call.token = async () => `Bearer ${token.access_token}`;
  return call;
}

module.exports = { startEpmock, apiClient };
