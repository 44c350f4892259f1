// The switch's desired config: the Controller owns it, the store persists
// it, and Dataplane::Apply() makes the datapath match it. The types are the
// datapath's plain specs (datapath/engine/desired_state.h).
#pragma once

#include "datapath/engine/desired_state.h"
#include "datapath/engine/engine.h"

namespace switchyard::ctl {

using DesiredState = dp::DesiredState;
using StaticMac = dp::StaticMac;
using FailedPort = dp::FailedPort;

}  // namespace switchyard::ctl
