"""Zhibu offline-sync core: pure Python, no Flask.

Holds what both the server and the offline devices must agree on byte for byte:
rotating event codes (`sync.eventcode`), signed member cards (`sync.cards`) and the
shared test vectors in `sync/vectors/` that the JavaScript client is tested against too.
"""

# Version of the sync protocol this package speaks; MIN is the oldest one the server still accepts.
PROTOCOL_VERSION = 1
MIN_PROTOCOL_VERSION = 1
