#include "sqs/protocol.h"

#include <openssl/evp.h>

#include <algorithm>
#include <functional>
#include <map>

#include <nlohmann/json.hpp>

#include "aws/sigv4.h"
#include "common/ids.h"
#include "common/strings.h"
#include "common/xml.h"

namespace epmock::internal {
namespace {

using nlohmann::json;
constexpr char kXmlns[] = "http://queue.amazonaws.com/doc/2012-11-05/";
constexpr char kAccount[] = "000000000000";
constexpr int kMaxWaitSeconds = 20;

std::string Header(const HttpRequest& r, const std::string& name) { return r.Header(name); }

std::string Tag(const std::string& name, const std::string& value) {
  return "<" + name + ">" + XmlEscape(value) + "</" + name + ">";
}

// The queue a request is about: QueueUrl's last path segment, else the request path's.
std::string QueueName(const std::string& queue_url, const std::string& path) {
  std::string source = queue_url.empty() ? path : queue_url;
  auto query = source.find('?');
  if (query != std::string::npos) source = source.substr(0, query);
  while (!source.empty() && source.back() == '/') source.pop_back();
  auto slash = source.rfind('/');
  return slash == std::string::npos ? source : source.substr(slash + 1);
}

std::string QueueUrlFor(const HttpRequest& r, const std::string& name) {
  return r.base_url + "/" + kAccount + "/" + name;
}

// One action's input, whatever the protocol.
struct Input {
  std::string action;
  std::string queue;                                    // name
  std::function<std::string(const std::string&)> get;   // a scalar parameter, "" if absent
  std::map<std::string, std::string> queue_attributes;  // CreateQueue
  std::vector<std::string> attribute_names;             // GetQueueAttributes, ReceiveMessage
  std::vector<std::string> message_attribute_names;     // ReceiveMessage
  SqsAttributes message_attributes;                     // SendMessage
  struct Entry {
    std::string id, body, receipt_handle;
    int delay = -1;
    SqsAttributes attributes;
  };
  std::vector<Entry> entries;     // batches
  std::optional<SqsError> error;  // the input itself is malformed
};

// SQS takes at most ten message attributes; more is an error, never a silent drop.
constexpr int kMaxMessageAttributes = 10;
SqsError TooManyAttributes(int given) {
  return InvalidParameterValue("Number of message attributes [" + std::to_string(given) +
                               "] exceeds the allowed maximum [" + std::to_string(kMaxMessageAttributes) +
                               "].");
}

bool ValidDataType(const std::string& t) {
  return t.rfind("String", 0) == 0 || t.rfind("Number", 0) == 0 || t.rfind("Binary", 0) == 0;
}

std::optional<SqsError> CheckAttribute(const std::string& name, const SqsAttributeValue& v) {
  if (name.empty()) return InvalidParameterValue("A message attribute name must not be empty.");
  if (!ValidDataType(v.data_type)) {
    return InvalidParameterValue(
        "The type of message (user) attribute '" + name +
        "' is invalid. You must use only the following supported type prefixes: Binary, Number, String.");
  }
  if (v.value.empty())
    return InvalidParameterValue("Message (user) attribute '" + name +
                                 "' must contain a non-empty value of type '" + v.data_type + "'.");
  return std::nullopt;
}

// --- query protocol input ---------------------------------------------------------------

Input QueryInput(const HttpRequest& r, const Params& params) {
  Input in;
  auto get = [params](const std::string& key) {
    auto it = params.find(key);
    return it == params.end() ? std::string() : it->second;
  };
  in.get = get;
  in.action = get("Action");
  in.queue = QueueName(get("QueueUrl"), r.path);
  if (in.action == "CreateQueue" || in.action == "GetQueueUrl") in.queue = get("QueueName");
  for (int i = 1; i <= 100; ++i) {
    const std::string n = std::to_string(i);
    std::string attribute = get("Attribute." + n + ".Name");
    if (!attribute.empty()) in.queue_attributes[attribute] = get("Attribute." + n + ".Value");
    std::string name = get("AttributeName." + n);
    if (!name.empty()) in.attribute_names.push_back(name);
    std::string system_name = get("MessageSystemAttributeName." + n);
    if (!system_name.empty()) in.attribute_names.push_back(system_name);
    std::string message_name = get("MessageAttributeName." + n);
    if (!message_name.empty()) in.message_attribute_names.push_back(message_name);
  }
  auto attributes = [&](const std::string& prefix, SqsAttributes* out) {
    int given = 0;
    for (int i = 1; i <= 100; ++i)
      given += !get(prefix + "MessageAttribute." + std::to_string(i) + ".Name").empty();
    if (given > kMaxMessageAttributes) in.error = TooManyAttributes(given);
    for (int i = 1; i <= kMaxMessageAttributes; ++i) {
      const std::string p = prefix + "MessageAttribute." + std::to_string(i) + ".";
      std::string name = get(p + "Name");
      if (name.empty()) continue;
      SqsAttributeValue v{get(p + "Value.DataType"), get(p + "Value.StringValue")};
      if (v.data_type.rfind("Binary", 0) == 0 && !Base64Decode(get(p + "Value.BinaryValue"), &v.value)) {
        in.error =
            InvalidParameterValue("The binary value of message attribute '" + name + "' is not base64.");
      }
      if (auto e = CheckAttribute(name, v)) in.error = e;
      (*out)[name] = v;
    }
  };
  attributes("", &in.message_attributes);
  for (const char* batch : {"SendMessageBatchRequestEntry.", "DeleteMessageBatchRequestEntry."}) {
    for (int i = 1; i <= 10; ++i) {
      const std::string p = std::string(batch) + std::to_string(i) + ".";
      std::string id = get(p + "Id");
      if (id.empty()) continue;
      Input::Entry e;
      e.id = id;
      e.body = get(p + "MessageBody");
      e.receipt_handle = get(p + "ReceiptHandle");
      std::string delay = get(p + "DelaySeconds");
      if (!delay.empty()) e.delay = std::atoi(delay.c_str());
      attributes(p, &e.attributes);
      in.entries.push_back(std::move(e));
    }
  }
  return in;
}

// --- JSON protocol input ----------------------------------------------------------------

std::optional<SqsError> JsonAttributes(const json& node, SqsAttributes* out) {
  if (node.is_null()) return std::nullopt;
  if (!node.is_object()) return InvalidParameterValue("MessageAttributes must be an object.");
  if (node.size() > kMaxMessageAttributes) return TooManyAttributes(static_cast<int>(node.size()));
  for (const auto& [name, value] : node.items()) {
    if (!value.is_object())
      return InvalidParameterValue("Message attribute '" + name + "' must be an object.");
    SqsAttributeValue v;
    v.data_type = value.value("DataType", "");
    if (v.data_type.rfind("Binary", 0) == 0) {
      if (!Base64Decode(value.value("BinaryValue", ""), &v.value)) {
        return InvalidParameterValue("The binary value of message attribute '" + name + "' is not base64.");
      }
    } else {
      v.value = value.value("StringValue", "");
    }
    if (auto e = CheckAttribute(name, v)) return e;
    (*out)[name] = v;
  }
  return std::nullopt;
}

Input JsonInput(const HttpRequest& r, const json& body) {
  Input in;
  const std::string target = Header(r, "X-Amz-Target");
  in.action = target.substr(target.find('.') + 1);
  in.get = [body](const std::string& key) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return std::string();
    return it->is_string() ? it->get<std::string>() : it->dump();
  };
  in.queue = QueueName(in.get("QueueUrl"), r.path);
  if (in.action == "CreateQueue" || in.action == "GetQueueUrl") in.queue = in.get("QueueName");
  try {
    if (auto a = body.find("Attributes"); a != body.end() && a->is_object()) {
      for (const auto& [k, v] : a->items())
        in.queue_attributes[k] = v.is_string() ? v.get<std::string>() : v.dump();
    }
    for (const char* list : {"AttributeNames", "MessageSystemAttributeNames"}) {
      if (auto a = body.find(list); a != body.end() && a->is_array()) {
        for (const json& n : *a) in.attribute_names.push_back(n.get<std::string>());
      }
    }
    if (auto a = body.find("MessageAttributeNames"); a != body.end() && a->is_array()) {
      for (const json& n : *a) in.message_attribute_names.push_back(n.get<std::string>());
    }
    if (auto e = JsonAttributes(body.value("MessageAttributes", json()), &in.message_attributes))
      in.error = e;
    if (auto entries = body.find("Entries"); entries != body.end() && entries->is_array()) {
      for (const json& entry : *entries) {
        Input::Entry e;
        e.id = entry.value("Id", "");
        e.body = entry.value("MessageBody", "");
        e.receipt_handle = entry.value("ReceiptHandle", "");
        if (entry.contains("DelaySeconds")) e.delay = entry["DelaySeconds"].get<int>();
        if (auto err = JsonAttributes(entry.value("MessageAttributes", json()), &e.attributes))
          in.error = err;
        in.entries.push_back(std::move(e));
      }
    }
  } catch (const json::exception&) {
    in.error = InvalidParameterValue("A parameter has the wrong type.");
  }
  return in;
}

// --- actions ----------------------------------------------------------------------------

// What an action produced, in a form both protocols render.
struct Output {
  json data = json::object();  // the JSON protocol's answer; the XML renderer reads it too
};

bool WantsAttribute(const std::vector<std::string>& asked, const std::string& name) {
  for (const std::string& a : asked) {
    if (a == "All" || a == name) return true;
  }
  return false;
}

bool WantsMessageAttribute(const std::vector<std::string>& asked, const std::string& name) {
  for (const std::string& a : asked) {
    if (a == "All" || a == ".*" || a == name) return true;
    if (a.size() > 2 && a.compare(a.size() - 2, 2, ".*") == 0 &&
        name.rfind(a.substr(0, a.size() - 1), 0) == 0)
      return true;
  }
  return false;
}

int IntParam(const Input& in, const std::string& key, int fallback, std::optional<SqsError>* error) {
  std::string text = in.get(key);
  if (text.empty()) return fallback;
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (*end != '\0' || v < 0 || v > kMaxVisibilityTimeoutSeconds) {  // the largest such parameter
    *error = InvalidParameterValue("Value " + text + " for parameter " + key + " is invalid.");
    return fallback;
  }
  return static_cast<int>(v);
}

json MessageAttributesJson(const SqsAttributes& attributes, const std::vector<std::string>& asked,
                           SqsAttributes* chosen) {
  json out = json::object();
  for (const auto& [name, v] : attributes) {
    if (!WantsMessageAttribute(asked, name)) continue;
    (*chosen)[name] = v;
    json value = {{"DataType", v.data_type}};
    if (v.data_type.rfind("Binary", 0) == 0)
      value["BinaryValue"] = Base64Encode(v.value);
    else
      value["StringValue"] = v.value;
    out[name] = value;
  }
  return out;
}

const char* const kActions[] = {"CreateQueue",        "GetQueueUrl",        "ListQueues",
                                "GetQueueAttributes", "DeleteQueue",        "PurgeQueue",
                                "SendMessage",        "SendMessageBatch",   "ReceiveMessage",
                                "DeleteMessage",      "DeleteMessageBatch", "ChangeMessageVisibility"};

std::optional<SqsError> Run(SqsQueues& queues, const HttpRequest& r, const Input& in, Output* out) {
  const std::string& a = in.action;
  if (std::find(std::begin(kActions), std::end(kActions), a) == std::end(kActions)) {
    return SqsError{
        400, "InvalidAction", "UnknownOperationException",
        a.empty() ? "No action was given." : "The action " + a + " is not valid for this endpoint.", true};
  }
  if (in.error) return in.error;
  std::optional<SqsError> error;
  if (a == "CreateQueue") {
    if (in.queue.empty()) return MissingParameter("QueueName");
    queues.Create(in.queue, in.queue_attributes, &error);
    if (!error) out->data = {{"QueueUrl", QueueUrlFor(r, in.queue)}};
    return error;
  }
  if (a == "ListQueues") {
    json urls = json::array();
    for (const std::string& name : queues.List(in.get("QueueNamePrefix")))
      urls.push_back(QueueUrlFor(r, name));
    out->data = json::object();
    if (!urls.empty()) out->data["QueueUrls"] = urls;
    return std::nullopt;
  }
  if (in.queue.empty()) return MissingParameter(a == "GetQueueUrl" ? "QueueName" : "QueueUrl");
  if (a == "GetQueueUrl") {
    if (!queues.Exists(in.queue)) return QueueDoesNotExist(in.queue);
    out->data = {{"QueueUrl", QueueUrlFor(r, in.queue)}};
    return std::nullopt;
  }
  if (a == "DeleteQueue") return queues.Delete(in.queue);
  if (a == "PurgeQueue") return queues.Purge(in.queue);
  if (a == "GetQueueAttributes") {
    std::map<std::string, std::string> attributes;
    if (auto e = queues.Attributes(in.queue, in.attribute_names, &attributes)) return e;
    out->data = {{"Attributes", attributes}};
    return std::nullopt;
  }
  if (a == "SendMessage") {
    int delay = IntParam(in, "DelaySeconds", -1, &error);
    if (error) return error;
    SqsMessage sent;
    if (auto e = queues.Send(in.queue, in.get("MessageBody"), in.message_attributes, delay, &sent)) return e;
    out->data = {{"MessageId", sent.id}, {"MD5OfMessageBody", sent.md5_of_body}};
    if (!sent.md5_of_attributes.empty()) out->data["MD5OfMessageAttributes"] = sent.md5_of_attributes;
    return std::nullopt;
  }
  if (a == "SendMessageBatch" || a == "DeleteMessageBatch") {
    if (in.entries.empty())
      return {{400, "AWS.SimpleQueueService.EmptyBatchRequest", "EmptyBatchRequest",
               "There should be at least one entry in the request.", true}};
    if (in.entries.size() > 10)
      return {{400, "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "TooManyEntriesInBatchRequest",
               "Maximum number of entries per request are 10.", true}};
    json ok = json::array(), failed = json::array();
    for (const Input::Entry& e : in.entries) {
      std::optional<SqsError> entry_error;
      json result = {{"Id", e.id}};
      if (a == "SendMessageBatch") {
        SqsMessage sent;
        entry_error = queues.Send(in.queue, e.body, e.attributes, e.delay, &sent);
        if (!entry_error) {
          result["MessageId"] = sent.id;
          result["MD5OfMessageBody"] = sent.md5_of_body;
          if (!sent.md5_of_attributes.empty()) result["MD5OfMessageAttributes"] = sent.md5_of_attributes;
        }
      } else {
        entry_error = queues.DeleteMessage(in.queue, e.receipt_handle);
      }
      if (entry_error && entry_error->code == QueueDoesNotExist(in.queue).code) return entry_error;
      if (entry_error) {
        failed.push_back({{"Id", e.id},
                          {"SenderFault", true},
                          {"Code", entry_error->code},
                          {"Message", entry_error->message}});
      } else {
        ok.push_back(result);
      }
    }
    out->data = {{"Successful", ok}, {"Failed", failed}};
    return std::nullopt;
  }
  if (a == "ReceiveMessage") {
    const int max = IntParam(in, "MaxNumberOfMessages", 1, &error);
    const int visibility = IntParam(in, "VisibilityTimeout", -1, &error);
    const int wait = IntParam(in, "WaitTimeSeconds", 0, &error);
    if (error) return error;
    if (wait > kMaxWaitSeconds)
      return InvalidParameterValue("Value " + std::to_string(wait) +
                                   " for parameter WaitTimeSeconds is invalid. Reason: must be <= 20.");
    std::vector<SqsMessage> messages;
    if (auto e = queues.Receive(in.queue, max, visibility, std::chrono::seconds(wait), &messages)) return e;
    json list = json::array();
    for (const SqsMessage& m : messages) {
      json message = {{"MessageId", m.id},
                      {"ReceiptHandle", m.receipt_handle},
                      {"MD5OfBody", m.md5_of_body},
                      {"Body", m.body}};
      json system = json::object();
      const std::map<std::string, std::string> available = {
          {"SentTimestamp", std::to_string(m.sent_timestamp_ms)},
          {"ApproximateReceiveCount", std::to_string(m.receive_count)},
          {"ApproximateFirstReceiveTimestamp", std::to_string(m.first_receive_ms)},
          {"SenderId", kAccount}};
      for (const auto& [name, value] : available) {
        if (WantsAttribute(in.attribute_names, name)) system[name] = value;
      }
      if (!system.empty()) message["Attributes"] = system;
      SqsAttributes chosen;
      json attributes = MessageAttributesJson(m.attributes, in.message_attribute_names, &chosen);
      if (!attributes.empty()) {
        message["MessageAttributes"] = attributes;
        message["MD5OfMessageAttributes"] = Md5OfAttributes(chosen);
      }
      list.push_back(message);
    }
    out->data = json::object();
    if (!list.empty()) out->data["Messages"] = list;
    return std::nullopt;
  }
  if (a == "DeleteMessage") {
    std::string handle = in.get("ReceiptHandle");
    if (handle.empty()) return MissingParameter("ReceiptHandle");
    return queues.DeleteMessage(in.queue, handle);
  }
  if (a == "ChangeMessageVisibility") {
    std::string handle = in.get("ReceiptHandle");
    if (handle.empty()) return MissingParameter("ReceiptHandle");
    if (in.get("VisibilityTimeout").empty()) return MissingParameter("VisibilityTimeout");
    int visibility = IntParam(in, "VisibilityTimeout", 0, &error);
    if (error) return error;
    return queues.ChangeVisibility(in.queue, handle, visibility);
  }
  return SqsError{500, "InternalError", "InternalError", "The action " + a + " has no handler.", false};
}

// --- rendering --------------------------------------------------------------------------

std::string XmlAttributes(const json& attributes) {
  std::string out;
  for (const auto& [name, value] : attributes.items()) {
    out += "<Attribute>" + Tag("Name", name) + Tag("Value", value.get<std::string>()) + "</Attribute>";
  }
  return out;
}

std::string XmlMessageAttributes(const json& attributes) {
  std::string out;
  for (const auto& [name, value] : attributes.items()) {
    out += "<MessageAttribute>" + Tag("Name", name) + "<Value>" + Tag("DataType", value["DataType"]);
    if (value.contains("StringValue")) out += Tag("StringValue", value["StringValue"]);
    if (value.contains("BinaryValue")) out += Tag("BinaryValue", value["BinaryValue"]);
    out += "</Value></MessageAttribute>";
  }
  return out;
}

std::string XmlResult(const std::string& action, const json& d, const std::string& request_id) {
  std::string result;
  for (const char* scalar : {"QueueUrl", "MessageId", "MD5OfMessageBody", "MD5OfMessageAttributes"}) {
    if (d.contains(scalar)) result += Tag(scalar, d[scalar]);
  }
  if (d.contains("QueueUrls")) {
    for (const json& url : d["QueueUrls"]) result += Tag("QueueUrl", url);
  }
  if (d.contains("Attributes")) result += XmlAttributes(d["Attributes"]);
  if (d.contains("Messages")) {
    for (const json& m : d["Messages"]) {
      result += "<Message>" + Tag("MessageId", m["MessageId"]) + Tag("ReceiptHandle", m["ReceiptHandle"]) +
                Tag("MD5OfBody", m["MD5OfBody"]) + Tag("Body", m["Body"]);
      if (m.contains("Attributes")) result += XmlAttributes(m["Attributes"]);
      if (m.contains("MD5OfMessageAttributes"))
        result += Tag("MD5OfMessageAttributes", m["MD5OfMessageAttributes"]);
      if (m.contains("MessageAttributes")) result += XmlMessageAttributes(m["MessageAttributes"]);
      result += "</Message>";
    }
  }
  if (d.contains("Successful")) {
    const std::string entry =
        action == "SendMessageBatch" ? "SendMessageBatchResultEntry" : "DeleteMessageBatchResultEntry";
    for (const json& s : d["Successful"]) {
      result += "<" + entry + ">";
      for (const auto& [k, v] : s.items()) result += Tag(k, v.get<std::string>());
      result += "</" + entry + ">";
    }
    for (const json& f : d["Failed"]) {
      result += "<BatchResultErrorEntry>" + Tag("Id", f["Id"]) + Tag("SenderFault", "true") +
                Tag("Code", f["Code"]) + Tag("Message", f["Message"]) + "</BatchResultErrorEntry>";
    }
  }
  const std::string metadata = "<ResponseMetadata>" + Tag("RequestId", request_id) + "</ResponseMetadata>";
  const bool has_result = action != "DeleteQueue" && action != "PurgeQueue" && action != "DeleteMessage" &&
                          action != "ChangeMessageVisibility";
  return "<?xml version=\"1.0\"?><" + action + "Response xmlns=\"" + kXmlns + "\">" +
         (has_result ? "<" + action + "Result>" + result + "</" + action + "Result>" : "") + metadata + "</" +
         action + "Response>";
}

HttpResponse ErrorResponse(const SqsError& e, bool json_protocol, const std::string& request_id) {
  HttpResponse r;
  r.status = e.http_status;
  r.content_type = "text/xml";
  if (json_protocol) {
    r.content_type = "application/x-amz-json-1.0";
    r.headers.emplace_back("x-amzn-query-error", e.code + ";" + (e.sender_fault ? "Sender" : "Receiver"));
    r.body = json{{"__type", "com.amazonaws.sqs#" + e.json_type}, {"message", e.message}}.dump(
        -1, ' ', false, json::error_handler_t::replace);
  } else {
    r.body = std::string("<?xml version=\"1.0\"?><ErrorResponse xmlns=\"") + kXmlns + "\"><Error>" +
             Tag("Type", e.sender_fault ? "Sender" : "Receiver") + Tag("Code", e.code) +
             Tag("Message", e.message) + "<Detail/></Error>" + Tag("RequestId", request_id) +
             "</ErrorResponse>";
  }
  return r;
}

std::optional<SqsError> CheckSignature(const HttpRequest& r, const SqsCredentials& credentials) {
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) return std::nullopt;
  const std::string header = Header(r, "Authorization");
  if (header.empty()) {
    return SqsError{403, "MissingAuthenticationToken", "MissingAuthenticationToken",
                    "The request must contain a SigV4 Authorization header.", true};
  }
  std::optional<ParsedAuthorization> auth = ParseAuthorization(header);
  if (!auth)
    return SqsError{403, "SignatureDoesNotMatch", "SignatureDoesNotMatch",
                    "The Authorization header is not a SigV4 signature.", true};
  if (auth->scope.access_key_id != credentials.access_key_id) {
    return SqsError{403, "InvalidClientTokenId", "InvalidClientTokenId",
                    "The security token included in the request is invalid.", true};
  }
  SigV4Request request{r.method, r.path, r.query, r.headers, r.body};
  std::string why = VerifySignature(request, *auth, credentials.secret_access_key);
  if (!why.empty()) return SqsError{403, "SignatureDoesNotMatch", "SignatureDoesNotMatch", why, true};
  return std::nullopt;
}

}  // namespace

std::string Base64Encode(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  return out;
}

bool Base64Decode(const std::string& text, std::string* bytes) {
  if (text.size() % 4 != 0) return false;
  std::string out(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return false;
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++padding;
  out.resize(static_cast<std::size_t>(n) - padding);
  *bytes = std::move(out);
  return true;
}

HttpResponse HandleSqsRequest(SqsQueues& queues, const HttpRequest& r, const SqsCredentials& credentials) {
  const bool json_protocol = Header(r, "X-Amz-Target").rfind("AmazonSQS.", 0) == 0;
  // Of the request's content (common/ids.h): the same on every run when ids are derived.
  const std::string request_id =
      queues.ids().ForContent("sqs-request", r.method + ' ' + r.target + '\n' + r.body);
  try {
    if (auto e = CheckSignature(r, credentials)) return ErrorResponse(*e, json_protocol, request_id);
    Input in;
    if (json_protocol) {
      json body = r.body.empty() ? json::object() : json::parse(r.body, nullptr, false);
      if (body.is_discarded() || !body.is_object()) {
        return ErrorResponse(
            {400, "InvalidParameterValue", "SerializationException", "The body is not a JSON object.", true},
            true, request_id);
      }
      in = JsonInput(r, body);
    } else {
      Params params;
      if (!DecodeForm(r.query, &params) || !DecodeForm(r.method == "POST" ? r.body : "", &params)) {
        return ErrorResponse(InvalidParameterValue("The request has malformed percent-encoding."), false,
                             request_id);
      }
      in = QueryInput(r, params);
    }
    // A fault on this call (SqsFault) answers in the call's place: nothing of it is done.
    if (auto e = queues.TakeFault(in.action, in.queue)) return ErrorResponse(*e, json_protocol, request_id);
    Output out;
    if (auto e = Run(queues, r, in, &out)) return ErrorResponse(*e, json_protocol, request_id);
    HttpResponse response;
    response.content_type = "text/xml";
    if (json_protocol) {
      response.content_type = "application/x-amz-json-1.0";
      response.body = out.data.dump(-1, ' ', false, json::error_handler_t::replace);
    } else {
      response.body = XmlResult(in.action, out.data, request_id);
    }
    return response;
  } catch (const std::exception& e) {
    return ErrorResponse(
        {500, "InternalError", "InternalError", std::string("epmock failed: ") + e.what(), false},
        json_protocol, request_id);
  }
}

}  // namespace epmock::internal
