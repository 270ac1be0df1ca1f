// ObservableEvent: one entry of the platform's observable-event catalog (order.paid, ...).
//
//   for (const epmock::ObservableEvent& e : epmock::Spec::Default()->Events())
//     std::cout << e.key << (e.legacy ? " (legacy)" : "") << "\n";
//   std::optional<epmock::ObservableEvent> e = spec->LookupEvent("wishlist_ext.created");
#ifndef EPMOCK_CATALOG_H_
#define EPMOCK_CATALOG_H_

#include <cstddef>
#include <string>
#include <vector>

namespace epmock {

// What every event key looks like: a resource, a dot, an action; both may hold '-' and '_'
// ("subscription.create-failed", "subscription.pending_cancel": elasticpath/elasticpath-dev
// docs/subscriptions/observable-events.mdx).
inline constexpr char kEventKeyPattern[] = "^[A-Za-z0-9_-]+\\.[a-z][a-z0-9_-]*$";
inline constexpr std::size_t kMaxEventKeyLength = 128;
// The resource a key without one of its own is synthesized as (schemas/resources.json).
inline constexpr char kGenericResource[] = "generic";

// How an event's webhook body is laid out. Data, not code: the catalog's "envelopes" name
// each variant (schemas/observable-events.json); the standard layout is seeds/003's.
struct WebhookShape {
  bool attempt = true;             // carries "attempt"
  bool resources = true;           // carries "resources" (the payload as a JSON string)
  bool flat_payload = false;       // "payload" is the resource itself, not {data, included}
  bool org_id = true;              // carries "org_id" when the store belongs to an organization
  std::string schema = "webhook";  // the envelope schema it is validated against
};

struct ObservableEvent {
  std::string key;                  // "order.paid": what integrations observe and webhooks name
  std::string resource;             // "order"
  std::string action;               // "paid"
  bool store_level = false;         // event carries store_id and org_id
  bool organization_level = false;  // event can be raised for an organization (org_id only)
  bool legacy = false;              // a key the platform still accepts but no longer documents
  std::string envelope;             // the catalog's envelope variant; "" for the standard one
  WebhookShape webhook;             // that variant's layout
  // Set for keys a pattern matched ("wishlist_ext.created"): the resource's type, taken
  // from the key ("wishlist_ext"); synthesis gives the resource this type.
  std::string resource_type;
  std::string source;  // where the key comes from: the seeds, a public source (repository and path), an
                       // extension file
};

// A family of keys the catalog accepts by rule rather than by name (Custom API entries:
// "<api_type>.created" with api_type matching ^[a-z0-9_]{1,59}_ext$).
struct EventPattern {
  std::string pattern;  // ECMAScript regular expression over the whole key
  std::string resource;
  bool store_level = false;
  bool organization_level = false;
  std::string source;
};

}  // namespace epmock

#endif  // EPMOCK_CATALOG_H_
