#include "events/synthesizer.h"

#include <map>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/strings.h"

namespace epmock::internal {
namespace {

using nlohmann::json;

constexpr char kTemplateIdPrefix[] = "00000000-0000-4000-8000-";

const std::vector<std::string> kFirstNames = {"Ron",   "Leslie", "Ann", "April", "Andy",  "Tom",
                                              "Donna", "Jerry",  "Ben", "Chris", "Amara", "Kenji"};
const std::vector<std::string> kLastNames = {"Swanson", "Knope",     "Perkins", "Ludgate",
                                             "Dwyer",   "Haverford", "Meagle",  "Gergich",
                                             "Wyatt",   "Traeger",   "Okafor",  "Tanaka"};
const std::vector<std::string> kCompanies = {"Macdowalls", "Very Good Building", "Sweetums",
                                             "Gryzzl",     "Entertainment 720",  "Paunch Burger"};
const std::vector<std::string> kStreets = {"Second Floor, British India House", "15 Carliol Square",
                                           "1 Grey Street", "42 Quayside", "7 Market Lane"};
const std::vector<std::string> kCities = {"Newcastle upon Tyne", "Leeds",  "Bristol", "Glasgow",
                                          "Manchester",          "Norwich"};
const std::vector<std::string> kPostcodes = {"NE1 6UF", "LS1 4AP", "BS1 5TR", "G1 1XQ", "M1 1AE", "NR2 1NH"};
const std::vector<std::string> kProducts = {"Spam Fritters",    "Lagavulin 16",      "Waffle Iron",
                                            "Mini Horse Plush", "Typewriter Ribbon", "Camping Stove"};
const std::vector<std::string> kWords = {"spring", "harbour", "copper", "meadow", "granite", "saffron"};

std::string Lower(std::string s) { return ToLower(std::move(s)); }

std::string Slug(const std::string& s) {
  std::string out;
  for (char c : Lower(s)) {
    if (std::isalnum(static_cast<unsigned char>(c)))
      out += c;
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string SecondsTimestamp(std::int64_t ms) {
  std::string t = Rfc3339Millis(ms);
  return t.substr(0, 19) + "Z";  // the seeds' resources use whole seconds
}

// "2020-06-15T21:21:22+00:00", as captured product deliveries carry them; with milliseconds,
// "2023-09-05T14:53:01.584+00:00", as the platform's OTP guide shows them.
std::string OffsetTimestamp(std::int64_t ms, bool millis) {
  const std::string t = Rfc3339Millis(ms);  // 2020-06-15T21:21:22.123Z
  return t.substr(0, millis ? 23 : 19) + "+00:00";
}

// One synthesis: the choices it made, so that names and ids agree across the resource.
class Filler {
 public:
  // `now_ms`: the wall time of the engine's clock, which the resource's own timestamps say.
  Filler(std::mt19937_64& rng, std::int64_t now_ms) : rng_(rng) {
    const std::string first = Pick(kFirstNames), last = Pick(kLastNames);
    const std::string product = Pick(kProducts);
    values_ = {{"first_name", first},
               {"last_name", last},
               {"email", Lower(first) + "." + Lower(last) + "@example.com"},
               {"phone", std::to_string(7000000000LL + static_cast<long long>(rng_() % 999999999))},
               {"company", Pick(kCompanies)},
               {"street", Pick(kStreets)},
               {"city", Pick(kCities)},
               {"postcode", Pick(kPostcodes)},
               {"product_name", product},
               {"slug", Slug(product) + "-" + std::to_string(rng_() % 10000)},
               {"sku", Slug(product) + "-" + std::to_string(1000 + rng_() % 9000)},
               {"word", Pick(kWords)}};
    // A one-time password as the platform's OTP example shows one: six of [a-z0-9].
    static const char kOtpAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string otp;
    for (int i = 0; i < 6; ++i) otp += kOtpAlphabet[rng_() % (sizeof kOtpAlphabet - 1)];
    values_["otp"] = otp;
    const std::int64_t now = now_ms;
    values_["now"] = SecondsTimestamp(now);
    values_["now+7d"] = SecondsTimestamp(now + 7LL * 24 * 3600 * 1000);
    values_["now_offset"] = OffsetTimestamp(now, false);
    values_["now_offset_ms"] = OffsetTimestamp(now, true);
    values_["order_number"] = std::to_string(10000 + rng_() % 90000);
  }

  // Fills a copy of the sample in place: one copy of the tree, each string visited once.
  json Fill(const json& sample) {
    json out = sample;
    FillInPlace(out);
    return out;
  }

  void FillInPlace(json& node) {
    if (node.is_string()) {
      const std::string& text = node.get_ref<const std::string&>();
      if (text.find("{{") != std::string::npos || text.find(kTemplateIdPrefix) != std::string::npos) {
        node = FillString(text);
      }
    } else if (node.is_array() || node.is_object()) {
      for (auto& item : node) FillInPlace(item);
    }
  }

 private:
  std::string Pick(const std::vector<std::string>& options) { return options[rng_() % options.size()]; }

  std::string NewId() {
    static const char kHex[] = "0123456789abcdef";
    std::string id;
    for (int i = 0; i < 32; ++i) {
      if (i == 8 || i == 12 || i == 16 || i == 20) id += '-';
      int nibble = static_cast<int>(rng_() & 0xf);
      if (i == 12) nibble = 4;
      if (i == 16) nibble = 8 | (nibble & 3);
      id += kHex[nibble];
    }
    return id;
  }

  std::string FillString(const std::string& s) {
    // Template ids become fresh ids, the same one everywhere it appears.
    std::string out = s;
    for (std::size_t at = out.find(kTemplateIdPrefix); at != std::string::npos;
         at = out.find(kTemplateIdPrefix, at + 36)) {
      if (at + 36 > out.size()) break;
      std::string template_id = out.substr(at, 36);
      auto [it, fresh] = ids_.emplace(template_id, "");
      if (fresh) it->second = NewId();
      out.replace(at, 36, it->second);
    }
    for (std::size_t at = out.find("{{"); at != std::string::npos; at = out.find("{{", at)) {
      std::size_t end = out.find("}}", at);
      if (end == std::string::npos) break;
      auto value = values_.find(out.substr(at + 2, end - at - 2));
      if (value == values_.end()) {
        at = end + 2;
        continue;
      }
      out.replace(at, end + 2 - at, value->second);
      at += value->second.size();
    }
    return out;
  }

  std::mt19937_64& rng_;
  std::map<std::string, std::string> values_;
  std::map<std::string, std::string> ids_;
};

// "£100.00" for 10000 with the symbol with_tax's formatted amount starts with.
std::string Formatted(std::int64_t amount, const std::string& like) {
  std::size_t digits = 0;
  while (digits < like.size() && !(like[digits] >= '0' && like[digits] <= '9') && like[digits] != '-')
    ++digits;
  const std::int64_t whole = amount / 100, cents = amount % 100;
  return like.substr(0, digits) + std::to_string(whole) + "." + (cents < 10 ? "0" : "") +
         std::to_string(cents);
}

}  // namespace

void SettleOrder(json& data) {
  if (!data.is_object() || data.value("type", "") != "order" || !data.contains("meta") ||
      !data["meta"].is_object() || !data["meta"].contains("display_price"))
    return;
  json& price = data["meta"]["display_price"];
  if (!price.is_object() || !price.contains("with_tax") || !price["with_tax"].is_object() ||
      !price["with_tax"].contains("amount") || !price["with_tax"]["amount"].is_number_integer())
    return;
  const json& with_tax = price["with_tax"];
  const std::int64_t total = with_tax["amount"].get<std::int64_t>();
  const std::string currency = with_tax.value("currency", "GBP");
  const std::string like = with_tax.contains("formatted") && with_tax["formatted"].is_string()
                               ? with_tax["formatted"].get<std::string>()
                               : std::string();
  auto block = [&](std::int64_t amount) {
    return json{{"amount", amount}, {"currency", currency}, {"formatted", Formatted(amount, like)}};
  };
  const std::string payment = data.value("payment", "unpaid");
  std::int64_t paid = 0, authorized = 0, owing = total;
  if (payment == "paid") {
    paid = total, owing = 0;
  } else if (payment == "partially_paid") {
    paid = total / 2, owing = total - total / 2;
  } else if (payment == "authorized") {
    authorized = total;
  } else if (payment == "partially_authorized") {
    authorized = total / 2;
  } else if (payment == "refunded") {
    owing = 0;
  }
  price["paid"] = block(paid);
  price["authorized"] = block(authorized);
  price["balance_owing"] = block(owing);
  for (const char* zero : {"discount", "shipping", "shipping_discount"}) {
    if (!price.contains(zero)) price[zero] = block(0);
  }
  price["without_discount"] =
      block(total - (price["discount"].is_object() ? price["discount"].value("amount", std::int64_t{0})
                                                   : std::int64_t{0}));
}

Synthesizer::Synthesizer(std::shared_ptr<const Spec> spec, std::uint64_t seed, const Clock& clock)
    : spec_(std::move(spec)), clock_(clock), rng_(seed) {}

StatusOr<Resource> Synthesizer::Synthesize(const ObservableEvent& event) {
  const json* entry = spec_->Resource(event.resource);
  if (!entry || !entry->contains("samples") || (*entry)["samples"].empty()) {
    return Status::Internal("no sample resource for " + event.key);
  }
  const json& samples = (*entry)["samples"];
  Resource resource;
  {
    MutexLock lock(&mu_);
    const json& sample = samples[rng_() % samples.size()];
    Filler filler(rng_, clock_.EpochNanos() / 1000000);
    resource.data = filler.Fill(sample.at("data"));
    resource.included = sample.contains("included") ? filler.Fill(sample["included"]) : json(nullptr);
  }
  // A key matched by pattern ("wishlist_ext.created") or added without a resource of its
  // own names the resource's type.
  if (!event.resource_type.empty()) resource.data["type"] = event.resource_type;
  // The event says something of the resource: an order.paid order is paid.
  const json changes = Changes(event);
  for (const auto& [field, value] : changes.items()) resource.data[field] = value;
  SettleOrder(resource.data);
  std::vector<SchemaViolation> violations = spec_->ValidateResource(event.resource, resource.data);
  if (!violations.empty()) {
    return Status::Internal("synthesized " + event.resource + " breaks its schema at " +
                            violations[0].source + ": " + violations[0].detail);
  }
  return resource;
}

json Synthesizer::Changes(const ObservableEvent& event) const {
  const json* entry = spec_->Resource(event.resource);
  if (!entry) return json::object();
  auto by_event = entry->find("by_event");
  if (by_event == entry->end() || !by_event->contains(event.key)) return json::object();
  return (*by_event)[event.key];
}

}  // namespace epmock::internal
