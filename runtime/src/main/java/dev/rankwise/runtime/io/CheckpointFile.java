package dev.rankwise.runtime.io;

import dev.rankwise.runtime.io.Safetensors.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * One checkpoint as one safetensors file: tensors under {@code parameter/}, {@code mean/}, {@code
 * variance/} and {@code array/}, and the scalars in the metadata together with a SHA-256 over
 * both (every tensor's name, shape and values, and every other metadata entry), which {@link #read}
 * checks, so a torn or altered file is never taken for a checkpoint.
 */
final class CheckpointFile {

  /** Version of this layout; a file of another version is refused. */
  static final int FORMAT = 1;

  private static final String FORMAT_KEY = "rankwise_checkpoint";
  private static final String STEP = "step";
  private static final String RUN = "run";
  private static final String UPDATES = "optimizer_updates";
  private static final String SHA256 = "checkpoint_sha256";
  private static final String VALUE = "value.";
  private static final String PARAMETER = "parameter/";
  private static final String MEAN = "mean/";
  private static final String VARIANCE = "variance/";
  private static final String ARRAY = "array/";

  private CheckpointFile() {}

  /** The file's bytes. */
  static byte[] encode(Checkpoint checkpoint) {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    put(tensors, PARAMETER, checkpoint.parameters());
    put(tensors, MEAN, checkpoint.means());
    put(tensors, VARIANCE, checkpoint.variances());
    put(tensors, ARRAY, checkpoint.arrays());
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put(FORMAT_KEY, Integer.toString(FORMAT));
    metadata.put(STEP, Integer.toString(checkpoint.step()));
    metadata.put(RUN, checkpoint.run());
    metadata.put(UPDATES, Integer.toString(checkpoint.optimizerUpdates()));
    new TreeMap<>(checkpoint.values()).forEach((key, value) -> metadata.put(VALUE + key, value));
    metadata.put(SHA256, sha256(tensors, metadata));
    return Safetensors.encode(tensors, metadata);
  }

  /**
   * Reads and checks a checkpoint file.
   *
   * @throws AdapterFileException if the file is torn, altered, of another format, or malformed
   */
  static Checkpoint read(Path file) throws IOException {
    Safetensors.Contents contents = Safetensors.readContents(file);
    Map<String, String> metadata = contents.metadata();
    String format = metadata.get(FORMAT_KEY);
    if (format == null) {
      throw new AdapterFileException(file, "not a rankwise checkpoint (no '" + FORMAT_KEY + "' metadata)");
    }
    if (!format.equals(Integer.toString(FORMAT))) {
      throw new AdapterFileException(file, "checkpoint format " + format + "; this rankwise reads format "
          + FORMAT + " (resume with the rankwise version that wrote it)");
    }
    Map<String, String> covered = new LinkedHashMap<>(metadata);
    String recorded = covered.remove(SHA256);
    if (!sha256(contents.tensors(), covered).equals(recorded)) {
      throw new AdapterFileException(file, "the checkpoint does not match its recorded SHA-256"
          + " (the file is corrupt or was changed after it was written)");
    }
    Map<String, Checkpoint.Array> parameters = new LinkedHashMap<>();
    Map<String, Checkpoint.Array> means = new LinkedHashMap<>();
    Map<String, Checkpoint.Array> variances = new LinkedHashMap<>();
    Map<String, Checkpoint.Array> arrays = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> entry : contents.tensors().entrySet()) {
      String key = entry.getKey();
      Checkpoint.Array array = new Checkpoint.Array(entry.getValue().shape(), entry.getValue().values());
      if (key.startsWith(PARAMETER)) {
        parameters.put(key.substring(PARAMETER.length()), array);
      } else if (key.startsWith(MEAN)) {
        means.put(key.substring(MEAN.length()), array);
      } else if (key.startsWith(VARIANCE)) {
        variances.put(key.substring(VARIANCE.length()), array);
      } else if (key.startsWith(ARRAY)) {
        arrays.put(key.substring(ARRAY.length()), array);
      } else {
        throw new AdapterFileException(file, "unexpected tensor '" + key + "' in a checkpoint");
      }
    }
    Map<String, String> values = new LinkedHashMap<>();
    metadata.forEach((key, value) -> {
      if (key.startsWith(VALUE)) {
        values.put(key.substring(VALUE.length()), value);
      }
    });
    int step = positive(file, metadata, STEP, 1);
    int updates = positive(file, metadata, UPDATES, 0);
    String run = metadata.get(RUN);
    if (run == null) {
      throw new AdapterFileException(file, "checkpoint metadata lacks '" + RUN + "'");
    }
    return new Checkpoint(step, run, updates, parameters, means, variances, arrays, values);
  }

  private static void put(Map<String, Tensor> tensors, String prefix, Map<String, Checkpoint.Array> arrays) {
    new TreeMap<>(arrays).forEach((name, array) -> {
      long elements = 1;
      for (long dimension : array.shape()) {
        elements *= dimension;
      }
      if (elements != array.data().length) {
        throw new IllegalArgumentException("checkpoint array '" + prefix + name + "' has shape "
            + Arrays.toString(array.shape()) + " but " + array.data().length + " values");
      }
      tensors.put(prefix + name, new Tensor(array.shape(), array.data()));
    });
  }

  private static int positive(Path file, Map<String, String> metadata, String key, int least)
      throws AdapterFileException {
    try {
      int value = Integer.parseInt(metadata.getOrDefault(key, ""));
      if (value < least) {
        throw new NumberFormatException("below " + least);
      }
      return value;
    } catch (NumberFormatException e) {
      throw new AdapterFileException(file, "checkpoint metadata '" + key + "' is not an integer >= "
          + least + ": " + metadata.get(key));
    }
  }

  /**
   * SHA-256 over every tensor's name, shape and little-endian values in file order, then every
   * metadata entry but safetensors' own {@code format}, sorted by key.
   */
  private static String sha256(Map<String, Tensor> tensors, Map<String, String> metadata) {
    MessageDigest digest = Integrity.digest();
    tensors.forEach((name, tensor) -> Integrity.update(digest, name, tensor.shape(), tensor.values()));
    new TreeMap<>(metadata).forEach((key, value) -> {
      if (!key.equals("format")) {
        digest.update(('\u0000' + key + '\u0000' + value).getBytes(StandardCharsets.UTF_8));
      }
    });
    return HexFormat.of().formatHex(digest.digest());
  }
}
