// Moves the running datapath to a desired config (start-up and SIGHUP
// reload): removes what went away or changed, then adds what is new. If any
// step fails, the steps already taken are undone, so the switch is left
// exactly as it was and the error says which port or network failed.
#pragma once

#include "control/config/config_file.h"
#include "datapath/core/status.h"
#include "datapath/engine/dataplane.h"

namespace switchyard::ctl {

Status ApplyConfig(dp::Dataplane& dataplane, const SwitchConfig& desired);

}  // namespace switchyard::ctl
