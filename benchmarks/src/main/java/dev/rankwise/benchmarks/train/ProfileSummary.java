package dev.rankwise.benchmarks.train;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a profiled step's time goes: the libtorch profiler's Chrome trace summed by operator over
 * the top-level events of each thread (an event inside another is its child and not counted
 * again), largest first.
 */
public final class ProfileSummary {

  private ProfileSummary() {}

  /**
   * One line per operator, for the {@code top} largest: its share of the profiled time and its time per
   * step, then one line for the rest.
   *
   * @param steps the number of steps the trace covers
   */
  public static List<String> lines(Path trace, int steps, int top) throws IOException {
    JsonElement root;
    try (Reader reader = Files.newBufferedReader(trace)) {
      root = JsonParser.parseReader(reader);
    }
    JsonArray events = root.isJsonObject() ? root.getAsJsonObject().getAsJsonArray("traceEvents") : root.getAsJsonArray();
    Map<Long, List<JsonObject>> byThread = new HashMap<>();
    for (JsonElement element : events) {
      JsonObject event = element.getAsJsonObject();
      if (event.has("ph") && event.get("ph").getAsString().equals("X") && event.has("dur")) {
        byThread.computeIfAbsent(event.get("tid").getAsLong(), tid -> new ArrayList<>()).add(event);
      }
    }
    Map<String, Double> micros = new HashMap<>();
    for (List<JsonObject> thread : byThread.values()) {
      thread.sort(Comparator.<JsonObject>comparingDouble(e -> e.get("ts").getAsDouble())
          .thenComparing(e -> -e.get("dur").getAsDouble()));
      double end = Double.NEGATIVE_INFINITY;
      for (JsonObject event : thread) {
        double start = event.get("ts").getAsDouble();
        if (start >= end) {
          double duration = event.get("dur").getAsDouble();
          micros.merge(event.get("name").getAsString(), duration, Double::sum);
          end = start + duration;
        }
      }
    }
    double total = micros.values().stream().mapToDouble(Double::doubleValue).sum();
    List<Map.Entry<String, Double>> sorted = new ArrayList<>(micros.entrySet());
    sorted.sort(Map.Entry.<String, Double>comparingByValue().reversed());
    List<String> lines = new ArrayList<>();
    double shown = 0;
    for (Map.Entry<String, Double> op : sorted.subList(0, Math.min(top, sorted.size()))) {
      lines.add(line(op.getKey(), op.getValue(), total, steps));
      shown += op.getValue();
    }
    if (sorted.size() > top) {
      lines.add(line((sorted.size() - top) + " other operators", total - shown, total, steps));
    }
    return lines;
  }

  private static String line(String name, double micros, double total, int steps) {
    return String.format(Locale.ROOT, "%s: %.1f %% (%.1f ms per step)", name.replace("autograd::engine::evaluate_function: ", "backward "),
        100 * micros / total, micros / 1000 / steps);
  }
}
