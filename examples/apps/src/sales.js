// The view of examples/apps.rs: renders the `sales_chart` result the host hands it,
// then asks the server (through the host) for the quarter's total with the app-only
// `sales_total` tool.
import { App } from "@modelcontextprotocol/ext-apps/app-with-deps";

const app = new App({ name: "mcpserve-sales-view", version: "1.0.0" }, {});
const $ = (id) => document.getElementById(id);
const money = (n) => `$${n.toLocaleString("en-US")}`;

function render(sales) {
  $("title").textContent = `Sales, Q${sales.quarter}`;
  const max = Math.max(...sales.regions.map((r) => r.amount), 1);
  $("chart").replaceChildren(
    ...sales.regions.map((r) => {
      const row = document.createElement("div");
      row.className = "bar";
      row.dataset.region = r.region;
      const label = document.createElement("span");
      label.textContent = r.region;
      const track = document.createElement("span");
      const fill = document.createElement("span");
      fill.className = "fill";
      fill.style.width = `${Math.round((r.amount / max) * 100)}%`;
      track.append(fill);
      const value = document.createElement("span");
      value.className = "amount";
      value.textContent = money(r.amount);
      row.append(label, track, value);
      return row;
    }),
  );
}

app.ontoolresult = async (result) => {
  const sales = result.structuredContent;
  if (!sales || !Array.isArray(sales.regions)) {
    $("status").textContent = "The tool returned no sales data.";
    return;
  }
  render(sales);
  $("status").textContent = "Fetching the total…";
  try {
    const total = await app.callServerTool({
      name: "sales_total",
      arguments: { quarter: sales.quarter },
    });
    if (total.isError) throw new Error(total.content?.[0]?.text ?? "tool error");
    $("total").textContent = `Total: ${money(total.structuredContent.total)}`;
    $("status").textContent = "Done.";
    document.body.dataset.state = "done";
  } catch (e) {
    $("status").textContent = `sales_total failed: ${e.message ?? e}`;
    document.body.dataset.state = "error";
  }
};

app.ontoolcancelled = (p) => {
  $("status").textContent = `Cancelled: ${p.reason ?? ""}`;
};

await app.connect();
