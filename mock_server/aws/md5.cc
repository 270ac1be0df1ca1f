#include "aws/md5.h"

#include <openssl/evp.h>

#include "common/strings.h"

namespace epmock::internal {

std::string Md5Hex(const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), out, &size, EVP_md5(), nullptr);
  return HexEncode(out, size);
}

}  // namespace epmock::internal
