#include "control/api/address_text.h"

namespace switchyard::ctl {

namespace {

Status Malformed(std::string_view field, std::string_view text, std::string_view form) {
  return Status(StatusCode::kInvalidArgument,
                std::string(field) + ": '" + std::string(text) + "' is not " + std::string(form));
}

}  // namespace

Status ReadText(std::string_view field, std::string_view text, dp::Ipv4Address* out) {
  const std::optional<dp::Ipv4Address> a = dp::Ipv4Address::Parse(text);
  if (!a) {
    return Malformed(field, text, "an IPv4 address");
  }
  *out = *a;
  return Status::Ok();
}

Status ReadText(std::string_view field, std::string_view text, dp::Ipv4Cidr* out) {
  const std::optional<dp::Ipv4Cidr> c = dp::Ipv4Cidr::Parse(text);
  if (!c) {
    return Malformed(field, text, "an IPv4 ADDRESS/PREFIX");
  }
  *out = *c;
  return Status::Ok();
}

Status ReadText(std::string_view field, std::string_view text, dp::IpCidr* out) {
  std::string why;
  const std::optional<dp::IpCidr> c = dp::IpCidr::Parse(text, &why);
  if (!c) {
    return Status(StatusCode::kInvalidArgument, std::string(field) + ": " + why);
  }
  *out = *c;
  return Status::Ok();
}

Status ReadText(std::string_view field, std::string_view text, dp::MacKey* out) {
  const std::optional<dp::MacKey> mac = dp::ParseMac(text);
  if (!mac) {
    return Malformed(field, text, "a MAC address (xx:xx:xx:xx:xx:xx)");
  }
  *out = *mac;
  return Status::Ok();
}

}  // namespace switchyard::ctl
