// Escaping text for XML element content and attribute values.
#ifndef EPMOCK_COMMON_XML_H_
#define EPMOCK_COMMON_XML_H_

#include <string>

namespace epmock::internal {

// & < > " ' and CR escaped, so the text survives in content and in attributes alike.
std::string XmlEscape(const std::string& text);

}  // namespace epmock::internal

#endif  // EPMOCK_COMMON_XML_H_
