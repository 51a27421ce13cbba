// The clerk's verification page: read a certificate (file, paste, QR scan), ask the agency
// service, show the verdict and every check (failing first) in Chinese and English.
// Everything is written with textContent: no value from a certificate is ever parsed as HTML.

const TOKEN_KEY = "huren.clerkToken";

const VERDICTS = {
  VALID: ["有效：证照真实且在有效期内", "VALID: the certificate is genuine and in force"],
  INVALID: ["无效：请勿采信此证照", "INVALID: do not accept this certificate"],
  ERROR: ["无法核验：请稍后重试", "ERROR: the certificate could not be fully checked; retry later"],
};

const STATUSES = {
  INVALID: ["✗ 未通过", "Failed"],
  ERROR: ["! 无法核验", "Could not check"],
  SKIPPED: ["– 未检查", "Skipped"],
  VALID: ["✓ 通过", "Passed"],
};
const STATUS_ORDER = ["INVALID", "ERROR", "SKIPPED", "VALID"];

const CHECKS = {
  format: ["文件格式", "Format"],
  integrity: ["内容完整性", "Integrity"],
  signature: ["签名", "Signature"],
  issuer_key: ["签发密钥", "Issuer key"],
  anchor: ["区块链存证", "Ledger anchor"],
  status: ["证照状态", "Status"],
  validity: ["有效期", "Validity period"],
  issuer_identity: ["签发省份", "Issuing province"],
};

const FIELDS = {
  "/identifier": ["证照标识", "Identifier"],
  "/type/name": ["证照类型", "Certificate type"],
  "/type/code": ["证照类型代码", "Type code"],
  "/number": ["证照编号", "Number"],
  "/holder/name": ["持证主体", "Holder"],
  "/holder/id_type": ["持证主体代码类型", "Holder ID type"],
  "/holder/id_number": ["持证主体代码", "Holder ID"],
  "/issuer/name": ["颁证单位", "Issuing authority"],
  "/issuer/credit_code": ["颁证单位代码", "Authority credit code"],
  "/issuer/division_code": ["颁证单位行政区划", "Authority division"],
  "/issue_date": ["颁证日期", "Issue date"],
  "/valid_from": ["有效期起始", "Valid from"],
  "/valid_until": ["有效期截止", "Valid until"],
  "/signature_algorithm": ["签名算法", "Signature algorithm"],
  "/format": ["文档格式", "Document format"],
};

const $ = (id) => document.getElementById(id);
let current = null; // {report, certificate} last shown, for the download button
let reference = null; // the reference read from the last HUREN1R: payload

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function bilingual(tag, [zh, en], className) {
  const node = element(tag, zh, className);
  const english = element("span", en, "en");
  english.lang = "en";
  node.append(" ", english);
  return node;
}

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = false;
}

function clearMessages() {
  $("error").hidden = true;
  $("error").textContent = "";
}

async function api(path, options = {}) {
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  const token = $("token").value.trim();
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, { ...options, headers, credentials: "omit" });
  } catch (error) {
    throw new Error(`无法连接核验服务 / The verification service cannot be reached (${error.message})`);
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const problem = body && body.message ? body.message : `HTTP ${response.status}`;
    const prefix = response.status === 401
      ? "令牌无效或缺失 / The clerk token is missing or not valid: "
      : `请求被拒绝 / Request refused (${body?.error ?? response.status}): `;
    throw new Error(prefix + problem);
  }
  return body;
}

function verifyPath() {
  const at = $("at").value.trim();
  return at ? `/verify?at=${encodeURIComponent(at)}` : "/verify";
}

async function verifyText(text) {
  let certificate = null;
  try {
    certificate = JSON.parse(text);
  } catch {
    // Not JSON: the service still answers with a report whose format check says why.
  }
  const report = await api(verifyPath(), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: text,
  });
  render(report, certificate);
}

async function decodeQr(payload) {
  const decoded = await api("/qr/decode", {
    method: "POST",
    headers: { "Content-Type": "text/plain; charset=utf-8" },
    body: payload,
  });
  if (decoded.kind === "reference") {
    showReference(decoded.reference);
    return;
  }
  await verifyText(JSON.stringify(decoded.certificate));
}

async function run(text) {
  clearMessages();
  $("reference").hidden = true;
  reference = null;
  if (!text.trim()) {
    showError("请先提供证照 / Provide a certificate first: drop a file, paste it or scan its QR code.");
    return;
  }
  const button = $("verify");
  button.disabled = true;
  try {
    if (text.trimStart().startsWith("HUREN1")) await decodeQr(text);
    else await verifyText(text);
  } catch (error) {
    $("result").hidden = true;
    showError(error.message);
  } finally {
    button.disabled = false;
  }
}

function facts(list, rows) {
  list.replaceChildren();
  for (const [label, value] of rows) {
    if (value === null || value === undefined) continue;
    list.append(bilingual("dt", label), element("dd", String(value)));
  }
}

function showReference(found) {
  reference = found;
  $("result").hidden = true;
  facts($("reference-facts"), [
    [["签发省份", "Issuing province"], found.issuing_province],
    [["证照标识", "Identifier"], found.certificate_id],
    [["证照摘要", "Digest"], found.digest],
  ]);
  $("reference").hidden = false;
  $("consent").focus();
}

async function requestReferenced() {
  clearMessages();
  if (!reference) return;
  try {
    const stored = await api("/requests", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        certificate_id: reference.certificate_id,
        issuing_province: reference.issuing_province,
        consent_token: $("consent").value.trim(),
      }),
    });
    if (!stored.report) {
      showError(`签发省份未提供证照 / The issuing province did not deliver it: ${stored.message ?? stored.outcome}`);
      return;
    }
    if (stored.certificate && stored.certificate.digest !== reference.digest) {
      showError("收到的证照与二维码所指不符 / The certificate received is not the one the QR code names: do not accept it.");
    }
    render(stored.report, stored.certificate);
  } catch (error) {
    showError(error.message);
  }
}

function sortedChecks(checks) {
  return checks
    .map((check, index) => ({ check, index }))
    .sort((a, b) => STATUS_ORDER.indexOf(a.check.status) - STATUS_ORDER.indexOf(b.check.status)
      || a.index - b.index)
    .map(({ check }) => check);
}

function pointer(path, key) {
  return `${path}/${String(key).replaceAll("~", "~0").replaceAll("/", "~1")}`;
}

function flatten(value, path, out) {
  if (value !== null && typeof value === "object" && Object.keys(value).length > 0) {
    for (const [key, member] of Object.entries(value)) flatten(member, pointer(path, key), out);
  } else {
    out.push([path, value]);
  }
  return out;
}

function disclosedFields(certificate) {
  const content = certificate && certificate.content;
  if (!content || typeof content !== "object") return { fields: [], withheld: 0 };
  if (content.form === "full") {
    return { fields: flatten(content.document ?? {}, "", []), withheld: 0 };
  }
  const fields = Object.entries(content.fields ?? {}).map(([path, field]) => [path, field?.value]);
  fields.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { fields, withheld: Object.keys(content.withheld ?? {}).length };
}

// What the chain's answers rest on (the report's trust section): which block, agreed by how many
// endpoints, how many values were proven against its state root, and who disagreed.
function trustFacts(trust) {
  if (!trust) return [];
  const agreeing = trust.endpoints.filter((e) => !(e in trust.disagreed));
  const read = trust.block_number === null
    ? "—"
    : `block ${trust.block_number} · ${trust.block_source} · ${agreeing.length}/${trust.endpoints.length} endpoints (quorum ${trust.quorum})`;
  const disagreed = Object.entries(trust.disagreed).map(([e, what]) => `${e}: ${what}`).join("; ");
  return [
    [["读取区块", "Read at"], trust.block_source === "latest" ? `latest · ${trust.endpoints.join(", ")}` : read],
    [["状态证明", "State proofs"], `${trust.proofs_checked}`],
    [["不一致节点", "Disagreeing endpoints"], disagreed || null],
  ];
}

function render(report, certificate) {
  current = { report, certificate };
  const verdict = $("verdict");
  verdict.replaceChildren();
  verdict.className = `verdict verdict-${report.verdict}`;
  verdict.dataset.verdict = report.verdict;
  const [zh, en] = VERDICTS[report.verdict] ?? [report.verdict, report.verdict];
  const english = element("span", en, "en");
  english.lang = "en";
  verdict.append(zh, english);

  facts($("summary"), [
    [["证照标识", "Identifier"], report.certificate_id],
    [["签发省份", "Issuing province"], report.issuing_province],
    [["证照摘要", "Digest"], report.digest],
    [["核验时间", "Checked at"], new Date(report.checked_at * 1000).toISOString()],
    [["状态时点", "Status as of"],
      report.at !== report.checked_at ? new Date(report.at * 1000).toISOString() : null],
    [["区块链", "Ledger"], report.chain_id ? `chain ${report.chain_id} · ${report.contract}` : null],
    ...trustFacts(report.trust),
  ]);

  const rows = $("checks").tBodies[0];
  rows.replaceChildren();
  for (const check of sortedChecks(report.checks)) {
    const row = document.createElement("tr");
    row.dataset.type = check.type;
    row.dataset.status = check.status;
    if (check.status === "INVALID") row.className = "failing";
    if (check.status === "ERROR") row.className = "erring";
    const status = bilingual("td", STATUSES[check.status] ?? [check.status, check.status],
      `status status-${check.status}`);
    const name = bilingual("td", CHECKS[check.type] ?? [check.name, check.type]);
    const message = element("td");
    message.append(element("span", check.message_zh, "msg-zh"));
    const messageEn = element("span", check.message, "msg-en");
    messageEn.lang = "en";
    message.append(messageEn);
    const code = element("td", `${check.reason} ${check.reason_name}`, "code");
    row.append(status, name, message, code);
    rows.append(row);
  }

  const { fields, withheld } = disclosedFields(certificate);
  const body = $("fields").tBodies[0];
  body.replaceChildren();
  for (const [path, value] of fields) {
    const row = document.createElement("tr");
    const label = element("td", path, "path");
    if (FIELDS[path]) {
      label.textContent = "";
      label.append(bilingual("span", FIELDS[path]), element("br"), element("span", path));
    }
    const shown = value === null ? "—（空 / none）" : typeof value === "string" ? value : JSON.stringify(value);
    row.append(label, element("td", shown, "value"));
    body.append(row);
  }
  $("withheld").textContent = withheld
    ? `另有 ${withheld} 项未披露（仅含哈希值）。 ${withheld} more field(s) withheld (hash only).`
    : fields.length ? "" : "无可显示的字段。 No readable fields.";

  $("result").hidden = false;
  verdict.focus();
}

function downloadReport() {
  if (!current) return;
  const text = JSON.stringify(current.report, null, 2);
  const link = element("a");
  link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  link.download = `huren-report-${current.report.certificate_id ?? "certificate"}.json`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

async function readFile(file) {
  if (!file) return;
  if (file.size > 4 * 1024 * 1024) {
    showError("文件过大 / The file is too large for a certificate.");
    return;
  }
  const text = await file.text();
  $("text").value = text;
  await run(text);
}

function setUp() {
  const token = $("token");
  token.value = sessionStorage.getItem(TOKEN_KEY) ?? "";
  token.addEventListener("input", () => sessionStorage.setItem(TOKEN_KEY, token.value.trim()));

  $("verify").addEventListener("click", () => run($("text").value));
  $("qr").addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      run($("qr").value).then(() => $("qr").select());
    }
  });
  $("text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) run($("text").value);
  });

  const drop = $("drop");
  const picker = $("file");
  drop.addEventListener("click", () => picker.click());
  drop.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      picker.click();
    }
  });
  picker.addEventListener("change", () => readFile(picker.files[0]).finally(() => {
    picker.value = "";
  }));
  for (const name of ["dragenter", "dragover"]) {
    drop.addEventListener(name, (event) => {
      event.preventDefault();
      drop.classList.add("over");
    });
  }
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    readFile(event.dataTransfer.files[0]);
  });
  // Pasting a file anywhere on the page (outside the text fields) reads it too.
  document.addEventListener("paste", (event) => {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement) return;
    const file = event.clipboardData?.files?.[0];
    if (file) readFile(file);
  });

  $("download").addEventListener("click", downloadReport);
  $("request").addEventListener("click", requestReferenced);
}

setUp();
