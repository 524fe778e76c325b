package dev.rankwise.runtime.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.rankwise.runtime.AdapterConfig;
import dev.rankwise.runtime.AdapterLayer;
import dev.rankwise.runtime.internal.ParameterValues;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adapter files: {@code adapter_model.safetensors} (adapter weights only) and {@code
 * adapter_config.json}. Tensors are keyed {@code base_model.model.<path>.<name>.weight}, so plain
 * LoRA uses Hugging Face PEFT's names and shapes and its files load in both directions; the config
 * is PEFT's plus a {@code rankwise} section that records every layer's adapter.
 */
public final class AdapterFiles {

  /** The weights file's name. */
  public static final String WEIGHTS_FILE = "adapter_model.safetensors";

  /** The config file's name. */
  public static final String CONFIG_FILE = "adapter_config.json";

  /** Version of the {@code rankwise} section of the config. */
  public static final int FORMAT_VERSION = 1;

  private static final Logger LOG = LoggerFactory.getLogger(AdapterFiles.class);
  private static final String STAGED = ".new.tmp";
  private static final String PREVIOUS = ".old.tmp";
  private static final String KEY_PREFIX = "base_model.model.";
  private static final long MAX_CONFIG_BYTES = 1L << 20;

  private AdapterFiles() {}

  /** The file key of an adapter parameter. */
  public static String key(String path, String parameterName) {
    return KEY_PREFIX + path + "." + parameterName + ".weight";
  }

  /**
   * Writes both files into {@code directory} (created if missing) so that they appear together: a
   * reader or a crash finds the old pair or the new one, never a mix. Only adapter
   * parameters and {@code extra} (such as task heads, under their own keys) are written; a merged
   * layer's adapter parameters are the same as unmerged.
   *
   * @param declaringType the declaration's type, recorded so the folder names what it was saved for
   * @param tasks the tasks the declaration routes, in order; empty without a task router
   * @param classifier the classifier's record, so that the folder can be served on its own ({@code
   *     TaskClassifier.load}); empty for adapters alone
   */
  public static void save(Path directory, String declaringType, List<String> tasks,
      Map<String, AdapterLayer> layers, Map<String, Parameter> extra, Optional<ClassifierRecord> classifier)
      throws IOException {
    write(directory, declaringType, tasks, layers, extra, classifier.orElse(null));
  }

  private static void write(Path directory, String declaringType, List<String> tasks, Map<String, AdapterLayer> layers,
      Map<String, Parameter> extra, ClassifierRecord classifier) throws IOException {
    Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> parameter : filed(layers, extra).entrySet()) {
      NDArray array = parameter.getValue().getArray();
      tensors.put(parameter.getKey(),
          new Safetensors.Tensor(array.getShape().getShape(), array.toFloatArray()));
    }
    for (Map.Entry<String, Safetensors.Tensor> tensor : tensors.entrySet()) {
      for (float value : tensor.getValue().values()) {
        if (!Float.isFinite(value)) {
          throw new IllegalStateException(
              "refusing to save " + directory + ": tensor '" + tensor.getKey() + "' holds " + value
                  + "; training diverged, so save an earlier checkpoint or lower the learning rate"
                  + " (the files already there are left as they were)");
        }
      }
    }
    byte[] weights = Safetensors.encode(tensors);
    JsonObject config = config(declaringType, tasks, layers, Integrity.sha256(weights));
    if (classifier != null) {
      classifier.addTo(config.getAsJsonObject("rankwise"));
    }
    String json = new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(config);
    writeTogether(directory, weights, (json + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Writes both files so that a reader or a crash sees the old pair or the new one, never the new
   * weights with the old config: they go into a staging folder beside the target ({@code
   * .<name>.new.tmp}), forced to disk; then the old folder is renamed aside ({@code .<name>.old.tmp}),
   * the staging folder renamed into its place, and the old one deleted. A crash between those two
   * renames leaves no folder under the name but a complete staging folder, which readers use ({@link
   * #committed}) and the next save puts in place. One saver per folder at a time (the CLI locks its
   * --out folder).
   *
   * <p>A folder that holds other files than the two (or is a link, or holds the working folder) is not swapped, so nothing of the
   * user's is moved: the files are then written one after the other, each atomically, and a crash
   * between them shows as a checksum mismatch on load rather than as a silent mix.
   */
  private static void writeTogether(Path directory, byte[] weights, byte[] config) throws IOException {
    Path target = directory.toAbsolutePath().normalize();
    Path parent = target.getParent();
    if (parent == null || Files.isSymbolicLink(target) || holdsOtherFiles(target)
        || Path.of("").toAbsolutePath().startsWith(target)) {
      LOG.warn("{} holds other files than {} and {} (or is a link, or the working folder): writing them in place, one after the other,"
          + " rather than as a pair; save adapters into a folder of their own", target, WEIGHTS_FILE, CONFIG_FILE);
      AtomicFiles.write(target.resolve(WEIGHTS_FILE), weights);
      AtomicFiles.write(target.resolve(CONFIG_FILE), config);
      return;
    }
    Path staged = sibling(target, STAGED);
    Path previous = sibling(target, PREVIOUS);
    finishInterruptedSave(target);
    deleteTree(staged); // a staging folder whose save died before its swap: never in use
    AtomicFiles.createDirectories(staged);
    AtomicFiles.write(staged.resolve(WEIGHTS_FILE), weights);
    AtomicFiles.write(staged.resolve(CONFIG_FILE), config);
    boolean replacing = Files.exists(target);
    if (replacing) {
      AtomicFiles.move(target, previous);
    }
    AtomicFiles.move(staged, target);
    AtomicFiles.forceDirectory(parent);
    if (replacing) {
      deleteTree(previous);
    }
  }

  /**
   * Completes a save that a crash interrupted between its two renames (the old folder aside, the
   * complete new one staged), and deletes an old folder left aside after its swap.
   */
  private static void finishInterruptedSave(Path target) throws IOException {
    Path previous = sibling(target, PREVIOUS);
    if (!Files.exists(previous)) {
      return;
    }
    Path staged = sibling(target, STAGED);
    if (!Files.exists(target) && Files.isDirectory(staged)) {
      LOG.warn("completing the interrupted save of {}: its new files were staged in {}", target, staged);
      AtomicFiles.move(staged, target);
      AtomicFiles.forceDirectory(target.getParent());
    }
    deleteTree(previous);
  }

  /**
   * The folder that holds {@code directory}'s committed files: itself, or, after a crash between the
   * two renames of a save (no folder under the name, the old one set aside), the complete staging
   * folder of that save.
   */
  static Path committed(Path directory) {
    if (Files.exists(directory)) {
      return directory;
    }
    Path target = directory.toAbsolutePath().normalize();
    if (target.getParent() == null) {
      return directory;
    }
    Path staged = sibling(target, STAGED);
    if (Files.isDirectory(sibling(target, PREVIOUS)) && Files.isDirectory(staged)) {
      LOG.warn("a save of {} was interrupted between its renames; reading its complete new files from {}"
          + " (the next save puts them in place)", target, staged);
      return staged;
    }
    return directory;
  }

  private static Path sibling(Path target, String suffix) {
    return target.resolveSibling("." + target.getFileName() + suffix);
  }

  /** Whether an existing folder holds entries other than the two files and temporary files of their writes. */
  private static boolean holdsOtherFiles(Path folder) throws IOException {
    if (!Files.isDirectory(folder)) {
      return Files.exists(folder);
    }
    try (Stream<Path> entries = Files.list(folder)) {
      return entries.anyMatch(entry -> {
        String name = entry.getFileName().toString();
        return !(name.equals(WEIGHTS_FILE) || name.equals(CONFIG_FILE) || AtomicFiles.isTemporary(entry))
            || !Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS);
      });
    }
  }

  /** Deletes a folder of this class's making (the two files and temporaries, no links followed). */
  private static void deleteTree(Path folder) throws IOException {
    if (!Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> entries = Files.walk(folder)) {
      for (Path entry : entries.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(entry);
      }
    }
  }

  /**
   * Loads adapter weights into the attached layers. Everything is checked first — the config
   * against the layers, every expected key present and no other, shapes, finite values — and only
   * then are weights copied, so a bad file leaves the model unchanged.
   *
   * @throws AdapterFileException if a file is missing, malformed or does not fit the layers
   */
  public static void load(Path directory, List<String> tasks, Map<String, AdapterLayer> layers,
      Map<String, Parameter> extra) throws IOException {
    Path weightsFile = require(directory, WEIGHTS_FILE);
    Path configFile = require(directory, CONFIG_FILE);
    for (Map.Entry<String, AdapterLayer> layer : layers.entrySet()) {
      if (layer.getValue().isMerged()) {
        throw new AdapterFileException(
            directory, "layer '" + layer.getKey() + "' is merged; unmerge before loading adapters");
      }
    }
    JsonObject config = readConfig(configFile);
    Integrity.Recorded recorded = checkConfig(configFile, config, tasks, layers);
    // One read: the bytes that are parsed are the bytes that are hashed (docs/DESIGN.md §5), so the
    // file cannot change between the check and the load.
    byte[] weights = readWeights(weightsFile);
    Map<String, Safetensors.Tensor> tensors = Safetensors.parse(weightsFile, weights).tensors();

    Map<String, Parameter> expected = filed(layers, extra);
    Map<Parameter, float[]> updates = new LinkedHashMap<>();
    Set<String> unexpected = new TreeSet<>(tensors.keySet());
    Set<String> missing = new TreeSet<>();
    for (Map.Entry<String, Parameter> parameter : expected.entrySet()) {
      String key = parameter.getKey();
      Safetensors.Tensor tensor = tensors.get(key);
      unexpected.remove(key);
      if (tensor == null) {
        missing.add(key);
        continue;
      }
      Shape shape = parameter.getValue().getArray().getShape();
      if (!Arrays.equals(shape.getShape(), tensor.shape())) {
        throw new AdapterFileException(
            weightsFile, "tensor '" + key + "' has shape " + Arrays.toString(tensor.shape())
                + " but the attached adapter expects " + shape
                + " (was it saved for a different model or declaration?)");
      }
      for (float value : tensor.values()) {
        if (!Float.isFinite(value)) {
          throw new AdapterFileException(
              weightsFile, "tensor '" + key + "' holds a non-finite value (" + value + ")");
        }
      }
      updates.put(parameter.getValue(), tensor.values());
    }
    if (!missing.isEmpty()) {
      throw new AdapterFileException(weightsFile, "missing tensors for attached adapters: " + missing);
    }
    if (!unexpected.isEmpty()) {
      throw new AdapterFileException(
          weightsFile, "tensors that match no attached adapter: " + unexpected
              + " (was it saved for a different declaration?)");
    }
    if (recorded != null) {
      checkLayerRecords(configFile, config, layers);
      Integrity.check(directory, configFile, recorded, weightsFile, weights, layers);
    }
    // Not NDArray.set: libtorch would print a deprecation warning on every load (docs/DESIGN.md §7).
    updates.forEach((parameter, values) -> ParameterValues.overwrite(parameter.getArray(), values));
  }

  /** Every parameter the files hold, by key, in file order: adapters by layer, then the extra ones. */
  private static Map<String, Parameter> filed(
      Map<String, AdapterLayer> layers, Map<String, Parameter> extra) {
    Map<String, Parameter> filed = new LinkedHashMap<>();
    for (Map.Entry<String, AdapterLayer> layer : layers.entrySet()) {
      for (Map.Entry<String, Parameter> parameter : layer.getValue().adapterParameters().entrySet()) {
        filed.put(key(layer.getKey(), parameter.getKey()), parameter.getValue());
      }
    }
    filed.putAll(extra);
    return filed;
  }

  static Path require(Path directory, String name) throws IOException {
    Path file = committed(directory).resolve(name);
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(
          file.toString(), null, "no " + name + " in " + directory + "; expected the directory"
              + " written by AdaptedModel.save (" + WEIGHTS_FILE + " and " + CONFIG_FILE + ")");
    }
    return file;
  }

  private static JsonObject config(
      String declaringType, List<String> tasks, Map<String, AdapterLayer> layers, String weightsSha256) {
    JsonObject config = new JsonObject();
    JsonObject rankwise = new JsonObject();
    JsonObject layerRecords = new JsonObject();
    JsonArray targets = new JsonArray();
    // PEFT reads the file as its own LoRA when every layer is plain LoRA with one config.
    AdapterConfig plain = null;
    boolean peftCompatible = true;
    for (Map.Entry<String, AdapterLayer> layer : layers.entrySet()) {
      targets.add(layer.getKey());
      layerRecords.add(layer.getKey(), LayerRecord.of(layer.getValue()));
      AdapterConfig adapter = layer.getValue().config();
      if (adapter.peftLora().isPresent() && (plain == null || plain.equals(adapter))) {
        plain = adapter;
      } else {
        peftCompatible = false;
      }
    }
    config.addProperty("peft_type", peftCompatible ? "LORA" : "RANKWISE");
    if (plain != null && peftCompatible) {
      AdapterConfig.PeftLora peft = plain.peftLora().orElseThrow();
      config.addProperty("r", peft.r());
      config.addProperty("lora_alpha", peft.loraAlpha());
      config.addProperty("lora_dropout", peft.dropout());
      config.addProperty("use_rslora", peft.rsLora());
    }
    config.add("target_modules", targets);
    config.addProperty("bias", "none");
    config.addProperty("fan_in_fan_out", false);
    config.add("task_type", JsonNull.INSTANCE);
    config.add("base_model_name_or_path", JsonNull.INSTANCE);
    config.addProperty("inference_mode", true);
    rankwise.addProperty("format_version", FORMAT_VERSION);
    rankwise.addProperty("declaring_type", declaringType);
    rankwise.add("layers", layerRecords);
    rankwise.addProperty(Integrity.WEIGHTS_SHA256, weightsSha256);
    rankwise.addProperty(Integrity.BASE_FINGERPRINT, Integrity.baseFingerprint(layers));
    if (!tasks.isEmpty()) {
      JsonArray names = new JsonArray();
      tasks.forEach(names::add);
      rankwise.add("tasks", names);
    }
    JsonObject selected = selectedExperts(layers);
    if (selected.size() > 0) {
      rankwise.add("selected_experts", selected);
    }
    config.add("rankwise", rankwise);
    return config;
  }

  /** What each task uses, by layer: a record for readers, derived from the weights, not checked on load. */
  private static JsonObject selectedExperts(Map<String, AdapterLayer> layers) {
    JsonObject selected = new JsonObject();
    for (Map.Entry<String, AdapterLayer> layer : layers.entrySet()) {
      Map<String, int[]> experts = layer.getValue().selectedExperts();
      if (experts.isEmpty()) {
        continue;
      }
      JsonObject byTask = new JsonObject();
      experts.forEach((task, chosen) -> {
        JsonArray indices = new JsonArray();
        for (int expert : chosen) {
          indices.add(expert);
        }
        byTask.add(task, indices);
      });
      selected.add(layer.getKey(), byTask);
    }
    return selected;
  }

  /**
   * What the folder's {@code adapter_config.json} records of the declaration it was saved with:
   * the declaring type, the tasks and each layer's record, from which {@code AdapterSpec.read}
   * rebuilds the declaration.
   *
   * @throws AdapterFileException if the config is missing, malformed or not rankwise's (a PEFT file)
   */
  public static SavedDeclaration readDeclaration(Path directory) throws IOException {
    Path file = require(directory, CONFIG_FILE);
    JsonObject rankwise = rankwiseSection(file);
    try {
      List<String> tasks = new ArrayList<>();
      if (rankwise.has("tasks")) {
        rankwise.getAsJsonArray("tasks").forEach(task -> tasks.add(task.getAsString()));
      }
      Map<String, Map<String, Object>> layers = new LinkedHashMap<>();
      for (Map.Entry<String, JsonElement> layer : rankwise.getAsJsonObject("layers").entrySet()) {
        layers.put(layer.getKey(), LayerRecord.read(layer.getValue().getAsJsonObject()));
      }
      return new SavedDeclaration(file, rankwise.get("declaring_type").getAsString(), tasks, layers);
    } catch (RuntimeException e) {
      throw new AdapterFileException(file, "malformed rankwise section: " + e.getMessage());
    }
  }

  /**
   * The {@code rankwise} section of a config file.
   *
   * @throws AdapterFileException if the file is malformed or has no such section (PEFT's files)
   */
  static JsonObject rankwiseSection(Path file) throws IOException {
    JsonElement section = readConfig(file).get("rankwise");
    if (section == null || !section.isJsonObject()) {
      throw new AdapterFileException(file, "no rankwise section: a PEFT or foreign adapter config does not say"
          + " how its adapters were declared; attach them with their declaration (AdapterSpec.load)");
    }
    return section.getAsJsonObject();
  }

  /** The whole weights file, read once. */
  private static byte[] readWeights(Path file) throws IOException {
    long size = Files.size(file);
    if (size > Safetensors.MAX_FILE_BYTES) {
      throw new AdapterFileException(file, "weights file of " + size + " bytes is larger than the "
          + Safetensors.MAX_FILE_BYTES + " bytes an adapter file can have");
    }
    return Files.readAllBytes(file);
  }

  private static JsonObject readConfig(Path file) throws IOException {
    long size = Files.size(file);
    if (size > MAX_CONFIG_BYTES) {
      throw new AdapterFileException(file, "config of " + size + " bytes is too large to be an adapter config");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
    } catch (CharacterCodingException e) {
      // Not IOException's own MalformedInputException: every fault of a file is an AdapterFileException.
      throw new AdapterFileException(file, "malformed adapter config: not valid UTF-8");
    }
    try {
      JsonElement parsed = JsonParser.parseString(text);
      if (!parsed.isJsonObject()) {
        throw new AdapterFileException(file, "adapter config is not a JSON object");
      }
      return parsed.getAsJsonObject();
    } catch (JsonParseException e) {
      // Gson's own message, without its exception's class name and its link to a troubleshooting page.
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new AdapterFileException(file, "malformed adapter config: "
          + String.valueOf(cause.getMessage()).lines().findFirst().orElse(""));
    }
  }

  /**
   * Checks the config against the declaration. A rankwise config (one with a {@code rankwise}
   * section) must hold every key that ties it to its weights, its base and its declaration
   * (docs/DESIGN.md §5): without the requirement, deleting a key turned its check off.
   *
   * @return what the config records of the weights and the base, or null for a PEFT file (which
   *     carries no checksum)
   */
  private static Integrity.Recorded checkConfig(
      Path file, JsonObject config, List<String> tasks, Map<String, AdapterLayer> layers)
      throws AdapterFileException {
    try {
      if (config.has("rankwise")) {
        if (!config.get("rankwise").isJsonObject()) {
          throw new AdapterFileException(file, "malformed adapter config: 'rankwise' is "
              + config.get("rankwise") + ", not a JSON object");
        }
        JsonObject rankwise = config.getAsJsonObject("rankwise");
        JsonElement versionValue = required(file, rankwise, "format_version", "the version of its format");
        if (!versionValue.isJsonPrimitive() || !versionValue.getAsJsonPrimitive().isNumber()
            || !versionValue.getAsString().matches("-?[0-9]{1,9}")) {
          throw new AdapterFileException(file, "malformed adapter config: 'format_version' is " + versionValue
              + ", not an integer");
        }
        int version = versionValue.getAsInt();
        if (version != FORMAT_VERSION) {
          throw new AdapterFileException(
              file, "format_version " + version + " is not supported; this rankwise reads version "
                  + FORMAT_VERSION);
        }
        JsonElement declaring = required(file, rankwise, "declaring_type", "the declaration it was saved for");
        if (!declaring.isJsonPrimitive() || !declaring.getAsJsonPrimitive().isString()) {
          throw new AdapterFileException(file, "malformed adapter config: 'declaring_type' is " + declaring
              + ", not a string");
        }
        Integrity.Recorded recorded = Integrity.recorded(file, rankwise);
        checkTasks(file, rankwise, tasks);
        JsonElement recordsValue = required(file, rankwise, "layers", "a record of each adapted layer");
        if (!recordsValue.isJsonObject()) {
          throw new AdapterFileException(file, "malformed adapter config: 'layers' is " + recordsValue
              + ", not a JSON object");
        }
        JsonObject records = recordsValue.getAsJsonObject();
        for (Map.Entry<String, AdapterLayer> layer : layers.entrySet()) {
          JsonElement saved = records.get(layer.getKey());
          JsonObject expected = LayerRecord.of(layer.getValue());
          if (saved != null && !saved.equals(expected)) {
            throw new AdapterFileException(
                file, "layer '" + layer.getKey() + "' was saved as " + saved
                    + " but the attached adapter is " + expected);
          }
        }
        // Which layers have records is checked after the tensors (checkLayerRecords), whose
        // message lists every missing and unexpected tensor of another declaration.
        return recorded;
      }
      checkPeftConfig(file, config, layers);
      return null;
    } catch (RuntimeException e) {
      throw new AdapterFileException(file, "malformed adapter config: " + e);
    }
  }

  /**
   * A rankwise config records exactly the attached layers: a record missing would load the layer
   * unchecked, and one the declaration does not have means another declaration.
   */
  private static void checkLayerRecords(Path file, JsonObject config, Map<String, AdapterLayer> layers)
      throws AdapterFileException {
    JsonObject records = config.getAsJsonObject("rankwise").getAsJsonObject("layers");
    for (String layer : layers.keySet()) {
      if (!records.has(layer)) {
        throw new AdapterFileException(file, "the rankwise section has no record of layer '" + layer
            + "', which the declaration adapts (a rankwise config records every adapted layer,"
            + " docs/DESIGN.md §5; the file was edited or damaged)");
      }
    }
    for (String saved : records.keySet()) {
      if (!layers.containsKey(saved)) {
        throw new AdapterFileException(file, "the rankwise section records layer '" + saved
            + "', which the declaration does not adapt (it adapts " + layers.keySet() + ")");
      }
    }
  }

  /** A task-routed declaration's file records its tasks, in order; any other file records none. */
  private static void checkTasks(Path file, JsonObject rankwise, List<String> tasks) throws AdapterFileException {
    if (tasks.isEmpty()) {
      if (rankwise.has("tasks")) {
        throw new AdapterFileException(file, "the file records 'tasks' " + rankwise.get("tasks")
            + " but the declaration routes no tasks (it was saved for another declaration)");
      }
      return;
    }
    JsonElement saved = required(file, rankwise, "tasks", "the tasks its declaration routes");
    JsonArray expected = new JsonArray();
    tasks.forEach(expected::add);
    if (!saved.equals(expected)) {
      throw new AdapterFileException(
          file, "the file was saved for tasks " + saved + " but the declaration routes " + expected
              + " ('tasks')");
    }
  }

  /** The value of a key a rankwise config must hold, or an error naming it and why it is needed. */
  static JsonElement required(Path file, JsonObject rankwise, String key, String what)
      throws AdapterFileException {
    JsonElement value = rankwise.get(key);
    if (value == null || value.isJsonNull()) {
      throw new AdapterFileException(file, "the rankwise section has no '" + key + "' (" + what
          + "); a rankwise adapter config must record it (docs/DESIGN.md §5), so the file was edited or"
          + " damaged: save the adapters again");
    }
    return value;
  }

  /**
   * A PEFT file ({@link PeftLoraConfig}): each attached layer must be plain LoRA with the rank, alpha
   * and rsLoRA flag the file gives its module.
   */
  private static void checkPeftConfig(Path file, JsonObject config, Map<String, AdapterLayer> layers)
      throws AdapterFileException {
    PeftLoraConfig peft = PeftLoraConfig.parse(file, config);
    for (Map.Entry<String, AdapterLayer> layer : layers.entrySet()) {
      AdapterConfig adapter = layer.getValue().config();
      AdapterConfig.PeftLora lora = adapter.peftLora().orElseThrow(() -> new AdapterFileException(
          file, "a PEFT LoRA file can only load into plain LoRA (mixer IDENTITY); layer '"
              + layer.getKey() + "' is " + adapter));
      int rank = peft.rank(layer.getKey());
      double alpha = peft.alpha(layer.getKey());
      if (lora.r() != rank || lora.loraAlpha() != alpha || lora.rsLora() != peft.rsLora()) {
        throw new AdapterFileException(
            file, "the file's r=" + rank + ", lora_alpha=" + alpha + ", use_rslora=" + peft.rsLora()
                + " for '" + layer.getKey() + "' differ from the layer's (r=" + lora.r() + ", alpha="
                + lora.loraAlpha() + ", rsLora=" + lora.rsLora() + ")");
      }
    }
  }
}
