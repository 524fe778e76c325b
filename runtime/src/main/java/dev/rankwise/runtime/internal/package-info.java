/**
 * Not API: what several runtime packages share and no user calls, such as the routing context that
 * carries each row's task to the adapters during a forward pass. Nothing outside the runtime may
 * depend on this package; its types may change in any release.
 */
package dev.rankwise.runtime.internal;
