// A CRM upsert (HubSpot-like, PATCH) built from any event that carries a customer: sorted,
// de-duplicated tags, dates in several formats, and cancel for events without a customer.
function handler(webhook) {
  const d = webhook.payload.data || {};
  const c = d.customer;
  if (!c || !c.email) {
    webhook.cancel = true;
    return webhook;
  }
  const meta = Object.assign({}, d.metadata || {}, c.metadata || {});
  const tags = Object.keys(meta).concat([webhook.eventType, d.payload_type || "unknown", "Zoë", "zoe", "Émile"])
    .filter((t, i, all) => all.indexOf(t) === i)
    .sort((a, b) => a.localeCompare(b));
  const created = new Date(d.created_at || webhook.payload.timestamp);
  webhook.method = "PATCH";
  webhook.url = "https://api.crm.example/v3/contacts/" + encodeURIComponent(c.email.toLowerCase());
  webhook.headers = { "X-Event-Type": webhook.eventType };
  webhook.payload = {
    properties: {
      email: c.email,
      firstname: (c.name || "").split(" ")[0],
      lastname: (c.name || "").split(" ").slice(1).join(" ") || undefined,
      created: created.toISOString(),
      created_label: created.toLocaleDateString("en-US", { year: "numeric", month: "long", day: "numeric" }),
      created_short: created.toLocaleDateString("en-US", { month: "short", day: "2-digit", weekday: "short" }),
      tags: tags.join(";"),
      status: d.status || null,
    },
  };
  return webhook;
}
