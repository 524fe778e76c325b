package dev.rankwise.serving;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A refused request: the HTTP status, a message that names the field or limit at fault, and what
 * helps the client further (the valid tasks, a Retry-After). Answered as {@code {"error": ...}}.
 */
public final class ApiException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int status;
  private final transient Map<String, Object> details;
  private final transient Map<String, String> headers;

  ApiException(int status, String message) {
    this(status, message, Map.of(), Map.of());
  }

  ApiException(int status, String message, Map<String, Object> details, Map<String, String> headers) {
    super(message);
    this.status = status;
    this.details = new LinkedHashMap<>(details);
    this.headers = new LinkedHashMap<>(headers);
  }

  /** 400: the body is wrong; the message names the field. */
  static ApiException badRequest(String message) {
    return new ApiException(400, message);
  }

  /** 404 for an unknown task, listing the served ones. */
  static ApiException unknownTask(String field, String task, List<String> tasks) {
    return new ApiException(404, field + ": unknown task '" + task + "'; the served tasks are " + tasks,
        Map.of("tasks", tasks), Map.of());
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }

  /** Fields the error body carries besides {@code error}. */
  public Map<String, Object> details() {
    return details;
  }

  /** Response headers, such as {@code Retry-After}. */
  public Map<String, String> headers() {
    return headers;
  }
}
