/*
 * script.h: exact replay (scenario "script:"): instead of the normal fake,
 * a port plays a recorded dialogue step by step.  The first step is the
 * greeting; each further step waits for a client line matching its glob
 * and answers with its lines.  A client that deviates gets the protocol's
 * error, a "script-deviation" event naming the step, and the session
 * ends; after the last step the session closes.
 */
#ifndef MAILRIG_SCRIPT_H
#define MAILRIG_SCRIPT_H

#include "fakes/conn.h"
#include "harness/scenario.h"

/* The protocol for a script port; conn_port.conf is the struct
   scen_script (borrowed from the scenario). */
const struct conn_proto *script_proto(enum scen_proto);

#endif
