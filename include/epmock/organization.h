// Organization: a group of stores with a client of its own, as the platform has them
// (elasticpath/elasticpath-dev guides/key-concepts/organizations/organization_authentication.md). Declaring
// one is epmock's own (Server::DeclareOrganization, or PUT
// /__admin/organization); without a declaration every client is a store of its own.
//
//   StatusOr<epmock::Organization> org =
//       server.DeclareOrganization("org-admin", {"store-a", "store-b"});
//   // "org-admin"'s token now acts at organization level; with the header
//   // X-Moltin-Auth-Store: <a store id of org->store_ids> it acts on that store.
#ifndef EPMOCK_ORGANIZATION_H_
#define EPMOCK_ORGANIZATION_H_

#include <cstddef>
#include <string>
#include <vector>

namespace epmock {

struct Organization {
  std::string id;                      // the org_id its events carry (derived from client_id, stable)
  std::string client_id;               // the organization-level client
  std::vector<std::string> store_ids;  // its stores, as Server::StoreIdFor gives them
};

// Limits on a declaration.
inline constexpr std::size_t kMaxOrganizationStores = 1000;
inline constexpr std::size_t kMaxClientIdLength = 256;

}  // namespace epmock

#endif  // EPMOCK_ORGANIZATION_H_
