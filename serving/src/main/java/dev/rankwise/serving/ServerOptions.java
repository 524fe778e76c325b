package dev.rankwise.serving;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the server listens, who may call it, and its limits.
 *
 * @param host the address to bind, such as {@code 127.0.0.1}
 * @param port the port, 0 for any free one
 * @param token the bearer token every call but {@code /health} and {@code /ready} must carry; empty
 *     for none
 * @param maxBodyBytes the largest request body; a larger one is refused with 413
 * @param maxRequestRows the most texts in one request; more is refused with 413
 * @param deadline how long a predict request may take from its arrival; past it the answer is 503
 * @param batching how forward passes are filled and how many rows may queue
 */
public record ServerOptions(String host, int port, Optional<String> token, int maxBodyBytes, int maxRequestRows,
    Duration deadline, BatchingOptions batching) {

  /** Loopback, any port, no token, 1 MiB bodies, 256 texts a request, 10 s deadline, default batching. */
  public static ServerOptions loopback() {
    return new ServerOptions("127.0.0.1", 0, Optional.empty(), 1 << 20, 256, Duration.ofSeconds(10),
        BatchingOptions.DEFAULTS);
  }

  /** Checks each value; a message names the one that is wrong. */
  public ServerOptions {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(deadline, "deadline");
    Objects.requireNonNull(batching, "batching");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0 to 65535, got " + port);
    }
    if (token.isPresent() && token.get().isBlank()) {
      throw new IllegalArgumentException("the bearer token must not be blank");
    }
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("maxBodyBytes must be positive, got " + maxBodyBytes);
    }
    if (maxRequestRows < 1 || maxRequestRows > batching.maxQueueRows()) {
      throw new IllegalArgumentException("maxRequestRows must be 1 to the queue's " + batching.maxQueueRows()
          + " rows, got " + maxRequestRows);
    }
    if (deadline.isZero() || deadline.isNegative()) {
      throw new IllegalArgumentException("deadline must be positive, got " + deadline);
    }
  }

  /** These options with another port. */
  public ServerOptions withPort(int other) {
    return new ServerOptions(host, other, token, maxBodyBytes, maxRequestRows, deadline, batching);
  }

  /** These options with other batching. */
  public ServerOptions withBatching(BatchingOptions other) {
    return new ServerOptions(host, port, token, maxBodyBytes, maxRequestRows, deadline, other);
  }

  /** These options with a bearer token. */
  public ServerOptions withToken(String other) {
    return new ServerOptions(host, port, Optional.of(other), maxBodyBytes, maxRequestRows, deadline, batching);
  }

  /** These options with another deadline. */
  public ServerOptions withDeadline(Duration other) {
    return new ServerOptions(host, port, token, maxBodyBytes, maxRequestRows, other, batching);
  }

  /** Whether the host is a loopback address, reachable from this machine only. */
  public boolean loopbackOnly() {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
  }
}
