// page[limit] / page[offset] parsing and the links and meta blocks of a list response.
#ifndef EPMOCK_API_PAGINATION_H_
#define EPMOCK_API_PAGINATION_H_

#include <cstddef>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api/api.h"
#include "api/errors.h"

namespace epmock::internal {

// A whole number written as decimal digits and nothing else (no sign, no space, no NUL),
// at most `max`; nullopt otherwise. Every number of a query parameter is read with it.
std::optional<std::size_t> ParseWholeNumber(const std::string& text, std::size_t max);

struct Page {
  std::size_t limit = 25;
  std::size_t offset = 0;
};

constexpr std::size_t kMaxPageLimit = 100;

// Reads page[limit] (`default_limit`, the store's page length, when absent) and
// page[offset]; a malformed or out-of-range value is an error whose source names the
// parameter.
std::optional<ApiError> ParsePage(const Params& params, std::size_t default_limit, Page* page);

// links {current, first, last, prev, next}: absolute URLs of `list_url` with page
// parameters; null where there is no such page.
nlohmann::json PageLinks(const std::string& list_url, const Page& page, std::size_t total);

// {limit, offset, current (page number from 1), total (pages)}.
nlohmann::json PageMeta(const Page& page, std::size_t total);

// The admin API's lists (epmock's own): page[limit] (default 100, at most 1,000),
// page[offset], and the stable cursor page[after] (an entry's id, or a journal sequence
// number): the entries that came after it, oldest first.
struct AdminPage {
  std::size_t limit = 100;
  std::size_t offset = 0;
  std::optional<std::string> after;
};
constexpr std::size_t kDefaultAdminPageLimit = 100;
constexpr std::size_t kMaxAdminPageLimit = 1000;

std::optional<ApiError> ParseAdminPage(const Params& params, AdminPage* page);

// meta.page of an admin list: {limit, offset, total}, or with a cursor {limit, after,
// total (after it), next (the cursor for the following call)}.
nlohmann::json AdminPageMeta(const AdminPage& page, std::size_t total, const std::string& next);

}  // namespace epmock::internal

#endif  // EPMOCK_API_PAGINATION_H_
