package dev.rankwise.runtime.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a run is, so that a checkpoint is resumed only by the run that wrote it (docs/DESIGN.md §5),
 * as {@code key=value} pairs joined by {@code "; "}: the settings, each task's classes, batch share
 * and input shape, a SHA-256 of each task's training rows and, when the run evaluates, of its
 * validation rows, and the trained parameters' names and shapes. The rows' digest covers the inputs
 * and labels in their order, which with the seed and {@code shuffle} fixes the order the run deals
 * them in; so one flipped label or one changed token is another run. The non-finite policy is left
 * out on purpose: a run stopped by a NaN may resume skipping it, and up to that step the two agree.
 */
final class RunIdentity {

  private static final String ROWS = "rows.";
  private static final String VALIDATION = "validation.";
  /** Rows are digested this many bytes at a time at most, so a large data set is never copied whole. */
  private static final long CHUNK_BYTES = 1 << 22;

  private RunIdentity() {}

  /** The run's identity; reads every training (and validation, if evaluating) row once. */
  static String describe(TrainingConfig config, List<TaskData> tasks, int[] share, int totalSteps,
      Map<String, Parameter> parameters) {
    List<String> parts = new ArrayList<>();
    parts.add("steps=" + totalSteps);
    parts.add("batch=" + config.batchSize());
    parts.add("learningRate=" + config.learningRate());
    parts.add("weightDecay=" + config.weightDecay());
    parts.add("warmup=" + config.warmupSteps());
    parts.add("decay=" + config.decay() + "@" + config.finalRate());
    parts.add("maxGradNorm=" + config.maxGradNorm());
    parts.add("seed=" + config.seed());
    if (!config.shuffle()) {
      parts.add("shuffle=false");
    }
    if (config.evaluates()) {
      parts.add("evaluateEvery=" + config.evaluateEvery());
      parts.add("bestMetric=" + config.bestMetric());
      parts.add("keepBest=" + config.keepBest());
      parts.add("patience=" + config.patience());
    }
    for (int t = 0; t < tasks.size(); t++) {
      TaskData task = tasks.get(t);
      parts.add("task." + task.name() + "=" + task.trainRows() + " rows, " + task.classes() + " classes, "
          + share[t] + " per batch, inputs " + task.trainInputs().getShape()
          + (config.evaluates() ? ", " + task.validationInputs().getShape().get(0) + " validation rows" : ""));
      parts.add(ROWS + task.name() + "=" + digest(task.trainInputs(), task.trainLabels()));
      if (config.evaluates()) {
        parts.add(VALIDATION + task.name() + "=" + digest(task.validationInputs(), task.validationLabels()));
      }
    }
    MessageDigest digest = sha256();
    parameters.forEach((name, parameter) ->
        digest.update((name + parameter.getArray().getShape()).getBytes(StandardCharsets.UTF_8)));
    parts.add("parameters=" + parameters.size() + " named " + HexFormat.of().formatHex(digest.digest(), 0, 8));
    return String.join("; ", parts);
  }

  /**
   * How the run that wrote a checkpoint ({@code saved}) differs from this one, every difference in
   * this run's order, for a message that begins "belongs to another run: ".
   */
  static String difference(String saved, String current) {
    Map<String, String> before = parts(saved);
    Map<String, String> now = parts(current);
    boolean recorded = before.keySet().stream().anyMatch(key -> key.startsWith(ROWS));
    List<String> differences = new ArrayList<>();
    for (Map.Entry<String, String> part : now.entrySet()) {
      String key = part.getKey();
      String was = before.get(key);
      if (part.getValue().equals(was)) {
        continue;
      }
      if (!rows(key)) {
        differences.add("it has " + (was == null ? "(nothing)" : key + "=" + was) + ", this run " + key + "="
            + part.getValue());
      } else if (was != null) {
        differences.add("the " + (key.startsWith(ROWS) ? "training" : "validation") + " rows of task '" + task(key)
            + "' differ from the checkpoint's (their inputs or labels, or their order)");
      }
      // A task or validation split the checkpoint lacks shows in its task.<name> and evaluateEvery parts.
    }
    before.forEach((key, was) -> {
      if (!now.containsKey(key) && !rows(key)) {
        differences.add("it has " + key + "=" + was + ", this run (nothing)");
      }
    });
    if (!recorded) {
      differences.add("it was written by an earlier rankwise that recorded no digest of its rows, so this run's"
          + " data cannot be checked against it (resume with that version, or start afresh)");
    }
    return differences.isEmpty() ? "(no difference found)" : String.join("; ", differences);
  }

  private static boolean rows(String key) {
    return key.startsWith(ROWS) || key.startsWith(VALIDATION);
  }

  private static String task(String key) {
    return key.substring((key.startsWith(ROWS) ? ROWS : VALIDATION).length());
  }

  /** The {@code key=value} parts of an identity, in order. */
  private static Map<String, String> parts(String identity) {
    Map<String, String> parts = new LinkedHashMap<>();
    for (String part : identity.split("; ")) {
      int equals = part.indexOf('=');
      parts.put(equals < 0 ? part : part.substring(0, equals), equals < 0 ? "" : part.substring(equals + 1));
    }
    return parts;
  }

  /** The first 16 hex digits of a SHA-256 over the arrays' data types, shapes and values. */
  private static String digest(NDArray inputs, NDArray labels) {
    MessageDigest digest = sha256();
    update(digest, inputs);
    update(digest, labels);
    return HexFormat.of().formatHex(digest.digest(), 0, 8);
  }

  /**
   * Adds an array's data type, shape and values to a digest, a block of rows at a time; the values'
   * bytes as the engine holds them (little-endian on every platform it runs on).
   */
  private static void update(MessageDigest digest, NDArray array) {
    long[] shape = array.getShape().getShape();
    ByteBuffer header = ByteBuffer.allocate(8 * (shape.length + 1)).order(ByteOrder.LITTLE_ENDIAN);
    header.putLong(shape.length);
    for (long dimension : shape) {
      header.putLong(dimension);
    }
    digest.update(array.getDataType().toString().getBytes(StandardCharsets.UTF_8));
    digest.update(header.array());
    long rows = shape[0];
    long rowBytes = Math.max(1, array.getShape().size() / Math.max(1, rows) * array.getDataType().getNumOfBytes());
    long chunk = Math.max(1, CHUNK_BYTES / rowBytes);
    try (NDManager scratch = array.getManager().newSubManager()) {
      for (long start = 0; start < rows; start += chunk) {
        NDArray block = rows <= chunk ? array : array.get(new NDIndex("{}:{}", start, Math.min(rows, start + chunk)));
        if (block != array) {
          block.attach(scratch);
        }
        digest.update(block.toByteBuffer());
      }
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
