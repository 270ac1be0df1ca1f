// ObservableEvent: one entry of the platform's observable-event catalog (order.paid, ...).
//
//   for (const epmock::ObservableEvent& e : epmock::Spec::Default()->Events())
//     std::cout << e.key << "\n";
#ifndef EPMOCK_CATALOG_H_
#define EPMOCK_CATALOG_H_

#include <string>
#include <vector>

namespace epmock {

struct ObservableEvent {
  std::string key;                  // "order.paid": what integrations observe and webhooks name
  std::string resource;             // "order"
  std::string action;               // "paid"
  bool store_level = false;         // event carries store_id and org_id
  bool organization_level = false;  // event can be raised for an organization (org_id only)
};

}  // namespace epmock

#endif  // EPMOCK_CATALOG_H_
