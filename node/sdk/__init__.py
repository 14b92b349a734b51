"""Client SDK for partners (insurers, research institutes): the node's REST API from Python."""
