// A Slack-style message in the manner of Dodo's integration templates: money and dates
// formatted for people, the shapes where QuickJS and V8 used to disagree.
function handler(webhook) {
  const d = webhook.payload.data || {};
  const when = new Date(webhook.payload.timestamp);
  const amount = typeof d.total_amount === "number" ? d.total_amount : Number(d.amount || 0);
  const currency = (d.currency || "USD").toUpperCase();
  const digits = new Intl.NumberFormat("en-US", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
  const money = (amount / Math.pow(10, digits)).toLocaleString("en-US", { style: "currency", currency });
  webhook.url = "https://hooks.slack.example/services/T000/B000/XXXX";
  webhook.payload = {
    text: `${webhook.eventType}: ${money} on ${when.toLocaleDateString()} at ${when.toLocaleTimeString()}`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `*${money}* — ${when.toLocaleString("en-US", { dateStyle: "full", timeStyle: "short", timeZone: "UTC" })}` } },
      { type: "context", elements: [{ type: "mrkdwn", text: `received ${new Date().toLocaleString()} · ${String(when)}` }] },
    ],
    amount_in_words: amount.toLocaleString(),
    percent_of_goal: (amount / 1000000).toLocaleString("en-US", { style: "percent", maximumFractionDigits: 2 }),
  };
  return webhook;
}
