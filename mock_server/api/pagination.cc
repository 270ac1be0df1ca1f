#include "api/pagination.h"

#include <cerrno>
#include <cstdlib>

namespace epmock::internal {

using nlohmann::json;

std::optional<std::size_t> ParseWholeNumber(const std::string& text, std::size_t max) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  const std::size_t value = static_cast<std::size_t>(std::strtoull(text.c_str(), nullptr, 10));
  if (value > max) return std::nullopt;
  return value;
}

namespace {

// A non-negative decimal integer of at most 9 digits, nothing else.
std::optional<std::size_t> ParseCount(const std::string& text) {
  if (text.size() > 9) return std::nullopt;
  return ParseWholeNumber(text, 999999999);
}

std::size_t PageCount(std::size_t total, std::size_t limit) { return (total + limit - 1) / limit; }

std::string PageUrl(const std::string& list_url, std::size_t offset, std::size_t limit) {
  return list_url + "?page[offset]=" + std::to_string(offset) + "&page[limit]=" + std::to_string(limit);
}

}  // namespace

// page[limit] (1 to `max`, `fallback` when absent) and page[offset] (0 or more).
std::optional<ApiError> ParseLimitAndOffset(const Params& params, std::size_t fallback, std::size_t max,
                                            std::size_t* limit, std::size_t* offset) {
  *limit = fallback;
  *offset = 0;
  if (auto given = params.find("page[limit]"); given != params.end()) {
    std::optional<std::size_t> value = ParseCount(given->second);
    if (!value || *value < 1 || *value > max) {
      return ApiError{400, StatusTitle(400),
                      "page[limit] must be a whole number from 1 to " + std::to_string(max) + ", not '" +
                          given->second + "'",
                      "page[limit]"};
    }
    *limit = *value;
  }
  if (auto given = params.find("page[offset]"); given != params.end()) {
    std::optional<std::size_t> value = ParseCount(given->second);
    if (!value) {
      return ApiError{400, StatusTitle(400),
                      "page[offset] must be a whole number of 0 or more, not '" + given->second + "'",
                      "page[offset]"};
    }
    *offset = *value;
  }
  return std::nullopt;
}

std::optional<ApiError> ParsePage(const Params& params, std::size_t default_limit, Page* page) {
  return ParseLimitAndOffset(params, default_limit, kMaxPageLimit, &page->limit, &page->offset);
}

std::optional<ApiError> ParseAdminPage(const Params& params, AdminPage* page) {
  page->after.reset();
  if (auto error = ParseLimitAndOffset(params, kDefaultAdminPageLimit, kMaxAdminPageLimit, &page->limit,
                                       &page->offset)) {
    return error;
  }
  if (auto after = params.find("page[after]"); after != params.end()) {
    if (after->second.empty() || after->second.size() > 64) {
      return ApiError{400, StatusTitle(400), "page[after] must be an entry's id (1 to 64 characters)",
                      "page[after]"};
    }
    if (params.count("page[offset]")) {
      return ApiError{400, StatusTitle(400), "page[after] and page[offset] do not go together",
                      "page[after]"};
    }
    page->after = after->second;
  }
  return std::nullopt;
}

json AdminPageMeta(const AdminPage& page, std::size_t total, const std::string& next) {
  if (page.after) return {{"limit", page.limit}, {"after", *page.after}, {"total", total}, {"next", next}};
  return {{"limit", page.limit}, {"offset", page.offset}, {"total", total}};
}

json PageLinks(const std::string& list_url, const Page& page, std::size_t total) {
  const std::size_t pages = PageCount(total, page.limit);
  const std::size_t last_offset = pages == 0 ? 0 : (pages - 1) * page.limit;
  json links = {
      {"current", PageUrl(list_url, page.offset, page.limit)},
      {"first", PageUrl(list_url, 0, page.limit)},
      // "null if there is only one page" (elasticpath/elasticpath-dev guides/Getting-Started/links.md).
      {"last", pages > 1 ? json(PageUrl(list_url, last_offset, page.limit)) : json(nullptr)},
      {"prev", nullptr},
      {"next", nullptr}};
  if (page.offset > 0) {
    links["prev"] = PageUrl(list_url, page.offset > page.limit ? page.offset - page.limit : 0, page.limit);
  }
  if (page.offset + page.limit < total) {
    links["next"] = PageUrl(list_url, page.offset + page.limit, page.limit);
  }
  return links;
}

json PageMeta(const Page& page, std::size_t total) {
  return {{"limit", page.limit},
          {"offset", page.offset},
          {"current", page.offset / page.limit + 1},
          {"total", PageCount(total, page.limit)}};
}

}  // namespace epmock::internal
