// The sandbox's dashboard and inbox in a real browser: headless Chromium
// (Debian's /usr/bin/chromium) driven by Playwright, against the
// `nordpay-sandbox` binary; API calls go through the `nordpay` command, so
// through the Rust clients. Each page is checked with axe-core and
// photographed into target/browser-screenshots/. Run by `tests/browser/run`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFile } from "node:child_process";
import { createServer } from "node:http";
import { mkdir } from "node:fs/promises";
import { createInterface } from "node:readline";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const root = new URL("../../", import.meta.url).pathname;
const bin = process.env.NORDPAY_BIN_DIR ?? `${root}target/debug`;
const shots = process.env.NORDPAY_SCREENSHOTS ?? `${root}target/browser-screenshots`;
const axeSource = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

/** A local merchant server that takes Puzzel Pay's callbacks. */
async function receiver() {
  const bodies = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      bodies.push(JSON.parse(body));
      response.writeHead(200).end();
    });
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  return { server, bodies, url: `http://127.0.0.1:${server.address().port}/callback` };
}

/** The sandbox binary on a free port; its printed configuration. */
async function sandbox(callbackUrl) {
  const child = spawn(
    `${bin}/nordpay-sandbox`,
    ["--port", "0", "--print-config", "--no-request-log", "--callback-url", callbackUrl],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout });
  const [first] = await Promise.race([
    new Promise((done) => lines.once("line", (line) => done([line]))),
    new Promise((_, fail) => child.once("exit", (code) => fail(new Error(`sandbox exited ${code}`)))),
  ]);
  return { child, config: JSON.parse(first) };
}

/** `nordpay <args>` against the sandbox: its exit code and JSON output. */
function nordpay(config, args) {
  const env = {
    ...process.env,
    NORDPAY_CONNECT_URL: config.connect.url,
    NORDPAY_CONNECT_API_KEY: config.connect.api_key,
    NORDPAY_DIRECT_PAYMENT_URL: config.direct_payment.rest_url,
    NORDPAY_DIRECT_PAYMENT_SERVICE_ID: String(config.direct_payment.service_id),
    NORDPAY_DIRECT_PAYMENT_USERNAME: config.direct_payment.username,
    NORDPAY_DIRECT_PAYMENT_PASSWORD: config.direct_payment.password,
    NORDPAY_PUZZEL_PAY_URL: config.puzzel_pay.url,
    NORDPAY_PUZZEL_PAY_JWT: config.puzzel_pay.jwt,
  };
  return new Promise((done) => {
    execFile(`${bin}/nordpay`, args, { env }, (error, stdout, stderr) => {
      let output = null;
      try {
        output = JSON.parse(stdout);
      } catch {
        // Not every answer has a body.
      }
      done({ code: error ? error.code : 0, output, stdout, stderr });
    });
  });
}

/** A Direct Payment verification code to `msisdn`, through the command. */
async function sendCode(config, msisdn, template) {
  const sent = await nordpay(config, [
    "direct-payment",
    "send-verification-code",
    "--body",
    JSON.stringify({ Msisdn: msisdn, Template: template }),
  ]);
  assert.equal(sent.code, 0, sent.stderr);
}

/** axe-core's WCAG 2.1 A/AA and best-practice rules on the open page. */
async function accessibility(page, name) {
  await page.addScriptTag({ path: axeSource });
  const result = await page.evaluate(() =>
    window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    }),
  );
  const problems = result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
  );
  assert.deepEqual(problems, [], `${name} has accessibility violations`);
  // The rules that matter most here did run.
  const ran = new Set([...result.passes, ...result.inapplicable, ...result.incomplete].map((r) => r.id));
  for (const rule of ["label", "color-contrast", "page-has-heading-one", "heading-order", "html-has-lang"]) {
    assert.ok(ran.has(rule), `axe ran ${rule} on ${name}`);
  }
}

async function screenshot(page, name) {
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}

const row = (page, record) => page.locator(`tr[data-record="${record}"]`);

test("the dashboard and the inbox, driven in Chromium", async (t) => {
  await mkdir(shots, { recursive: true });
  const merchant = await receiver();
  const { child, config } = await sandbox(merchant.url);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, timezoneId: "Europe/Oslo" });
  try {
    await t.test("an empty dashboard, accessible", async () => {
      await page.goto(`${config.url}/`);
      await page.getByText("No records yet").waitFor();
      await screenshot(page, "01-dashboard-empty");
      await accessibility(page, "the empty dashboard");
    });

    let transaction;
    await t.test("a transaction created through the client appears without a reload", async () => {
      await page.evaluate(() => (window.sameDocument = true));
      const created = await nordpay(config, [
        "connect",
        "create-transaction",
        "--body",
        JSON.stringify({
          orderId: "browser-order-1",
          amount: "NOK 25.00",
          vatRate: "0.25",
          purchaseDescription: "Wool socks",
          successRedirect: "https://shop.example/ok",
          cancelRedirect: "https://shop.example/cancel",
        }),
      ]);
      assert.equal(created.code, 0, created.stderr);
      transaction = created.output.id;
      const record = row(page, `transaction--${transaction}`);
      await record.waitFor({ timeout: 10_000 });
      assert.equal(await page.evaluate(() => window.sameDocument), true, "no reload");
      assert.equal(await record.getAttribute("data-state"), "STARTED");
      assert.match(await record.locator(".amount").innerText(), /^NOK 25\.00$/);
      // Local time on the page, the raw value on hover.
      const time = record.locator("time").first();
      assert.doesNotMatch(await time.innerText(), /UTC/);
      assert.match(await time.getAttribute("title"), /^\d{4}-\d\d-\d\dT.*Z$/);
      await screenshot(page, "02-transaction-appeared");
    });

    await t.test("pressing an action completes the payment", async () => {
      const record = row(page, `transaction--${transaction}`);
      await record.locator('button[data-action="pay"]').click();
      await page.waitForLoadState();
      await page.locator(`tr[data-record="transaction--${transaction}"][data-state="COMPLETED"]`).waitFor();
      const fetched = await nordpay(config, ["connect", "get-transaction", transaction]);
      assert.equal(fetched.output.state, "COMPLETED");
      const timeline = row(page, `transaction--${transaction}`).locator("details");
      await timeline.locator("summary").click();
      await timeline.getByText("paid by the user").waitFor();
      await screenshot(page, "03-transaction-completed");
    });

    await t.test("a fault scripted with the form is listed, then used up", async () => {
      await page.selectOption("#fault-api", "direct_payment");
      await page.fill("#fault-operation", "pay");
      await page.fill("#fault-key", "+4791234501");
      await page.selectOption("#fault-action", "drop_after");
      await page.getByRole("button", { name: "Add fault" }).click();
      await page.waitForLoadState();
      await page.getByRole("status").getByText("Fault added.").waitFor();
      const fault = page.locator("tr.fault");
      await fault.getByText("do the call, then drop the connection").waitFor();
      assert.match(await fault.innerText(), /direct_payment\s+pay\s+\+4791234501\s+1/);
      await screenshot(page, "04-fault-listed");

      // The charge is made, its answer lost: the command says "unknown" (5).
      const paid = await nordpay(config, [
        "direct-payment",
        "pay",
        "--body",
        JSON.stringify({
          PaymentDetails: {
            Msisdn: "+4791234501",
            Price: 4990,
            ServiceCode: "06005",
            ClientReference: "browser-dp-1",
          },
        }),
      ]);
      assert.equal(paid.code, 5, paid.stderr);
      await page.getByText("None waiting.").waitFor();
      await page.locator('tr[data-record="payment--browser-dp-1"][data-state="Paid"]').waitFor();
    });

    await t.test("every SMS lands in the inbox, and its link pays", async () => {
      await sendCode(config, "+4791234502", "Your shop code is {0}");
      const batch = await nordpay(config, [
        "puzzel-pay",
        "create-batch",
        "--body",
        JSON.stringify({
          batchReference: "browser-batch-1",
          action: 1,
          messageTemplates: [{ type: 0, text: "Hi {{name}}, your invoice: {{paymentLink}}" }],
          recipients: [
            {
              reference: "r1",
              msisdn: "+4791234503",
              type: 0,
              payment: { amount: 14900, currency: "NOK" },
              variables: { name: "Kari" },
            },
          ],
        }),
      ]);
      assert.equal(batch.code, 0, batch.stderr);

      await page.getByRole("link", { name: "SMS inbox" }).click();
      await page.getByRole("heading", { name: "+4791234503" }).waitFor();
      await page.getByText(/Your shop code is \d{6}/).waitFor();
      // A new SMS appears while the inbox is open.
      await page.evaluate(() => (window.sameDocument = true));
      await sendCode(config, "+4791234504", "Second code {0}");
      await page.getByRole("heading", { name: "+4791234504" }).waitFor({ timeout: 10_000 });
      assert.equal(await page.evaluate(() => window.sameDocument), true, "no reload");
      await screenshot(page, "05-inbox");
      await accessibility(page, "the inbox");

      await page.getByRole("link", { name: /\/puzzel-pay\/pay\/browser-batch-1\/r1$/ }).click();
      await page.getByRole("heading", { name: "Puzzel Pay" }).waitFor();
      await screenshot(page, "06-payment-page");
      await accessibility(page, "the Puzzel Pay payment page");
      await page.getByRole("button", { name: "Pay with card" }).click();
      await page.getByText("Paying with card").waitFor();
      await page.getByRole("button", { name: "Pay", exact: true }).click();
      await page.getByText(/Result step/).waitFor();

      // The callback reached the merchant, and the dashboard shows it.
      await page.goto(`${config.url}/`);
      await page.locator("tr.delivery").getByText("HTTP 200").waitFor({ timeout: 10_000 });
      assert.equal(merchant.bodies.length, 1);
      assert.equal(merchant.bodies[0].clientReference, "r1");
      assert.equal(merchant.bodies[0].success, true);
      const recipient = row(page, "recipient-browser-batch-1-r1");
      assert.equal(await recipient.getAttribute("data-state"), "Paid");
      assert.match(await recipient.locator(".amount").innerText(), /^NOK 149\.00$/);
      await recipient.locator("summary").click();
      await recipient.getByText("callback attempt 1: HTTP 200").waitFor();
      await screenshot(page, "07-dashboard");
      await accessibility(page, "the dashboard with records, faults and deliveries");
    });

    await t.test("filters narrow the records", async () => {
      await page.selectOption("#filter-api", "puzzel_pay");
      await page.getByRole("button", { name: "Filter" }).click();
      await page.waitForURL(/api=puzzel_pay/);
      assert.equal(await page.locator("tr.record").count(), 2);
      assert.equal(await row(page, `transaction--${transaction}`).count(), 0);
      await screenshot(page, "08-filtered");
    });
  } finally {
    await browser.close();
    child.kill("SIGTERM");
    merchant.server.close();
  }
});
