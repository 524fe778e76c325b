package dev.rankwise.runtime.model;

import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.rankwise.annotations.Mixer;
import dev.rankwise.runtime.AdapterLayer;
import dev.rankwise.runtime.internal.ParameterValues;
import dev.rankwise.runtime.io.AdapterFileException;
import dev.rankwise.runtime.io.AdapterFiles;
import dev.rankwise.runtime.io.FloatTensor;
import dev.rankwise.runtime.io.PeftLoraConfig;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.lora.LoraLinear;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Imports an adapter folder that Hugging Face PEFT saved for plain LoRA ({@code
 * PeftModel.save_pretrained}: {@code adapter_config.json} and {@code adapter_model.safetensors}),
 * as rankwise plain-LoRA adapters on a block tree, each layer with PEFT's own rank and scaling.
 * Followed: PEFT v0.20.0 ({@code LoraConfig}, {@code LoraModel._create_and_replace}, {@code
 * LoraLayer.update_layer}, {@code get_peft_model_state_dict}, {@code utils.other.get_pattern_key}):
 *
 * <ul>
 *   <li>Tensors are keyed {@code base_model.model.<module>.lora_A.weight} (r × in) and {@code
 *       lora_B.weight} (out × r), the adapter name taken out; {@code <module>} is the module's name
 *       in the model PEFT wrapped, so a task model's encoder modules carry its {@code
 *       base_model_prefix} ({@code bert.encoder.layer.0.attention.self.query}), a bare encoder's do
 *       not. The caller gives that prefix; either form is read.
 *   <li>Each module's rank and alpha are the config's ({@link PeftLoraConfig}: {@code rank_pattern}
 *       and {@code alpha_pattern} as PEFT's {@code get_pattern_key} matches them, else {@code r} and
 *       {@code lora_alpha}). The scaling is {@code alpha / r}, with {@code use_rslora} {@code alpha /
 *       sqrt(r)}.
 * </ul>
 *
 * <p>Refused, naming the file and the key: what {@link PeftLoraConfig} refuses (DoRA, a LoRA bias,
 * another {@code peft_type}, …); {@code lora_alpha} 0 (rankwise reads an alpha of 0 as
 * {@code r}); a folder with {@code adapter_model.bin} only — pickle files are never opened, let alone
 * deserialised; a tensor of a module the block does not have or that is not a linear layer, a rank
 * the config does not give, a non-finite value; a {@code target_modules} entry that names no linear
 * layer. Tensors outside the encoder (a task model's head, {@code modules_to_save}) are skipped and
 * logged. All or nothing: everything is checked before the block changes.
 *
 * <p>Reading the weights file is the caller's (the encoders read F32, F16 and BF16 and pass float32
 * values), so this class never reads tensor data itself.
 */
public final class PeftImport {

  /** The weights file PEFT writes with {@code safe_serialization=True} (its default). */
  public static final String WEIGHTS_FILE = AdapterFiles.WEIGHTS_FILE;

  /** PEFT's pickle weights file, never read. */
  public static final String PICKLE_FILE = "adapter_model.bin";

  private static final Logger LOG = LoggerFactory.getLogger(PeftImport.class);
  private static final String KEY_PREFIX = "base_model.model.";
  private static final String A_SUFFIX = ".lora_A.weight";
  private static final String B_SUFFIX = ".lora_B.weight";
  private static final long MAX_CONFIG_BYTES = 1L << 20;
  private static final int CLOSEST = 3;

  private final Path folder;
  private final Path configFile;
  private final PeftLoraConfig config;

  private PeftImport(Path folder, Path configFile, PeftLoraConfig config) {
    this.folder = folder;
    this.configFile = configFile;
    this.config = config;
  }

  /**
   * Reads and checks the folder's {@code adapter_config.json}, and that its weights are in
   * safetensors.
   *
   * @throws AdapterFileException if the config is malformed or asks for what plain LoRA does not
   *     compute, or the weights are pickle only (the message names the file and the key)
   */
  public static PeftImport read(Path folder) throws IOException {
    Path configFile = folder.resolve(AdapterFiles.CONFIG_FILE);
    if (!Files.isRegularFile(configFile)) {
      throw new NoSuchFileException(configFile.toString(), null, "no " + AdapterFiles.CONFIG_FILE + " in " + folder
          + "; expected a folder PeftModel.save_pretrained wrote");
    }
    Path weights = folder.resolve(WEIGHTS_FILE);
    if (!Files.isRegularFile(weights)) {
      Path pickle = folder.resolve(PICKLE_FILE);
      if (Files.exists(pickle)) {
        throw new AdapterFileException(pickle, "pickle files are not read; save with safe_serialization=True"
            + " (PeftModel.save_pretrained's default) to get " + WEIGHTS_FILE);
      }
      throw new NoSuchFileException(weights.toString(), null, "no " + WEIGHTS_FILE + " in " + folder);
    }
    return new PeftImport(folder, configFile, PeftLoraConfig.parse(configFile, readJson(configFile)));
  }

  /** The weights file to read: {@code adapter_model.safetensors}. */
  public Path weightsFile() {
    return folder.resolve(WEIGHTS_FILE);
  }

  /** The config file, for messages. */
  public Path configFile() {
    return configFile;
  }

  /** The config's fields: ranks, alphas, rsLoRA, target modules. */
  public PeftLoraConfig peftConfig() {
    return config;
  }

  /** The plain-LoRA config PEFT built for a module: its rank, alpha and {@code use_rslora}. */
  public LoraConfig config(String module) {
    int r = config.rank(module);
    return LoraConfig.builder().setRanks(r, r).optMixer(Mixer.IDENTITY).optAlpha(config.alpha(module))
        .optRsLora(config.rsLora()).build();
  }

  /**
   * Attaches a plain-LoRA adapter to every module the tensors adapt and loads their weights, all or
   * nothing; the rest of the block is frozen, as {@link AdapterSpec#attach(Block)} leaves it.
   *
   * @param block the base, initialised, with Hugging Face's names as block paths
   * @param tensors the weights file's tensors by key, as float32
   * @param modelPrefix the prefix a task model gives the encoder's modules ({@code "bert."}), or
   *     {@code ""}; keys with or without it are read, not a mix
   * @throws AdapterFileException naming the file and the key, if the tensors do not fit the block
   *     or the config; the block is unchanged then
   */
  public AdaptedModel attach(Block block, Map<String, FloatTensor> tensors, String modelPrefix) throws IOException {
    Path file = weightsFile();
    Map<String, String[]> modules = new LinkedHashMap<>(); // module -> {A key, B key}
    List<String> skipped = new ArrayList<>();
    for (String key : tensors.keySet()) {
      if (!key.startsWith(KEY_PREFIX)) {
        throw new AdapterFileException(file, "tensor '" + key + "' is not under '" + KEY_PREFIX
            + "', as PEFT keys every tensor of a PeftModel");
      }
      String rest = key.substring(KEY_PREFIX.length());
      int side = rest.endsWith(A_SUFFIX) ? 0 : rest.endsWith(B_SUFFIX) ? 1 : -1;
      if (side < 0) {
        if (rest.contains(".modules_to_save.") || (!modelPrefix.isEmpty() && !rest.startsWith(modelPrefix))
            || rest.startsWith("classifier.") || rest.startsWith("pre_classifier.")) {
          skipped.add(key);
          continue;
        }
        throw new AdapterFileException(file, "tensor '" + key + "' is neither lora_A.weight nor lora_B.weight"
            + " of a module; rankwise imports plain LoRA (a DoRA magnitude, a LoRA bias or a trained base"
            + " tensor is not one)");
      }
      String module = rest.substring(0, rest.length() - A_SUFFIX.length());
      modules.computeIfAbsent(module, m -> new String[2])[side] = key;
    }
    if (modules.isEmpty()) {
      throw new AdapterFileException(file, "holds no lora_A/lora_B tensors" + (skipped.isEmpty() ? ""
          : " (only " + skipped + ")"));
    }
    long prefixed = modelPrefix.isEmpty() ? 0
        : modules.keySet().stream().filter(module -> module.startsWith(modelPrefix)).count();
    if (prefixed != 0 && prefixed != modules.size()) {
      throw new AdapterFileException(file, "some modules are under '" + modelPrefix + "' and some not: "
          + modules.keySet() + "; a PEFT file of one model has one form");
    }
    String prefix = prefixed == 0 ? "" : modelPrefix;
    if (!skipped.isEmpty()) {
      LOG.info("{}: skipping {} tensor(s) outside the encoder (the task model's head or modules_to_save): {}",
          file, skipped.size(), skipped);
    }

    Map<String, Block> paths = BlockPaths.of(block);
    List<String> linears = paths.entrySet().stream()
        .filter(entry -> entry.getValue() instanceof Linear && !(entry.getValue() instanceof AdapterLayer))
        .map(Map.Entry::getKey).toList();
    checkTargetModules(linears, prefix);
    AdapterSpec.Builder spec = AdapterSpec.builder("peft:" + folder.toAbsolutePath().normalize());
    Map<String, float[][]> values = new LinkedHashMap<>();
    for (Map.Entry<String, String[]> entry : modules.entrySet()) {
      String module = entry.getKey();
      String[] keys = entry.getValue();
      for (int side = 0; side < 2; side++) {
        if (keys[side] == null) {
          throw new AdapterFileException(file, "tensor '" + KEY_PREFIX + module + (side == 0 ? A_SUFFIX : B_SUFFIX)
              + "' is missing; its module has only '" + keys[1 - side] + "'");
        }
      }
      String path = module.substring(prefix.length());
      Block layer = paths.get(path);
      if (!(layer instanceof Linear) || layer instanceof AdapterLayer) {
        throw new AdapterFileException(file, "tensor '" + keys[0] + "' adapts module '" + module + "', which the "
            + (layer == null ? "model does not have" : layer instanceof AdapterLayer ? "model has adapted already"
                : "model has, but not as a linear layer") + " (closest: "
            + ClosestPaths.to(path, linears, CLOSEST).stream().map(p -> prefix + p).toList()
            + "); was the adapter trained on another architecture?");
      }
      long[] weight = ((Linear) layer).getParameters().get("weight").getArray().getShape().getShape();
      int r = config.rank(module);
      check(file, keys[0], tensors.get(keys[0]), new long[] {r, weight[1]}, module);
      check(file, keys[1], tensors.get(keys[1]), new long[] {weight[0], r}, module);
      double moduleAlpha = config.alpha(module);
      if (!(moduleAlpha > 0)) {
        throw new AdapterFileException(configFile, "module '" + module + "' has lora_alpha " + moduleAlpha
            + ", which makes PEFT's update zero; rankwise reads an alpha of 0 as r");
      }
      spec.target(config(module), path);
      values.put(path, new float[][] {tensors.get(keys[0]).values(), tensors.get(keys[1]).values()});
    }

    AdapterSpec built = spec.build();
    Map<String, AdapterLayer> layers = Attacher.attach(built, block, AdapterSpec.DEFAULT_SEED);
    try {
      for (Map.Entry<String, AdapterLayer> layer : layers.entrySet()) {
        LoraLinear lora = (LoraLinear) layer.getValue();
        float[][] factors = values.get(layer.getKey());
        ParameterValues.overwrite(lora.loraA().getArray(), factors[0]);
        ParameterValues.overwrite(lora.loraB().getArray(), factors[1]);
      }
    } catch (RuntimeException e) {
      Attacher.detach(block, layers);
      throw e;
    }
    AdaptedModel model = new AdaptedModel(built, block, layers);
    model.freezeBase();
    if (LOG.isInfoEnabled()) {
      Map<String, String> summary = new TreeMap<>();
      layers.forEach((path, layer) -> {
        LoraConfig lora = ((LoraLinear) layer).config();
        summary.put(path, "r=" + lora.rank() + " scaling=" + lora.scaling());
      });
      LOG.info("{}: imported {} PEFT LoRA adapter(s){}: {}", folder, layers.size(),
          prefix.isEmpty() ? "" : " (keys under '" + prefix + "')", summary);
    }
    return model;
  }

  /** Every {@code target_modules} entry names a linear layer of the block, as PEFT matches them. */
  private void checkTargetModules(List<String> linears, String prefix) throws AdapterFileException {
    JsonElement targetModules = config.targetModules();
    if (targetModules == null) {
      return;
    }
    List<String> names = linears.stream().map(path -> prefix + path).toList();
    if (targetModules.isJsonPrimitive()) {
      String target = targetModules.getAsString();
      if (target.equals("all-linear")) {
        return;
      }
      Pattern pattern = Pattern.compile(target);
      if (names.stream().noneMatch(name -> pattern.matcher(name).matches())) {
        throw new AdapterFileException(configFile, "target_modules '" + target + "' matches no linear layer of"
            + " the model (such as " + names.stream().limit(CLOSEST).toList() + ")");
      }
      return;
    }
    for (JsonElement element : targetModules.getAsJsonArray()) {
      String target = element.getAsString();
      if (names.stream().noneMatch(name -> name.equals(target) || name.endsWith("." + target))) {
        throw new AdapterFileException(configFile, "target_modules names '" + target + "', which the model does"
            + " not have (closest: " + ClosestPaths.to(target, names.stream()
                .map(name -> name.substring(name.lastIndexOf('.') + 1)).distinct().toList(), CLOSEST)
            + "); was the adapter trained on another architecture?");
      }
    }
  }

  private static void check(Path file, String key, FloatTensor tensor, long[] expected, String module)
      throws AdapterFileException {
    if (!Arrays.equals(tensor.shape(), expected)) {
      throw new AdapterFileException(file, "tensor '" + key + "' has shape " + Arrays.toString(tensor.shape())
          + " but module '" + module + "' takes " + Arrays.toString(expected)
          + " (its rank from r and rank_pattern, its sizes from the model)");
    }
    for (float value : tensor.values()) {
      if (!Float.isFinite(value)) {
        throw new AdapterFileException(file, "tensor '" + key + "' holds a non-finite value (" + value + ")");
      }
    }
  }

  private static JsonObject readJson(Path file) throws IOException {
    if (Files.size(file) > MAX_CONFIG_BYTES) {
      throw new AdapterFileException(file, "config of " + Files.size(file) + " bytes is too large to be an adapter config");
    }
    try {
      String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
      JsonElement parsed = JsonParser.parseString(text);
      if (!parsed.isJsonObject()) {
        throw new AdapterFileException(file, "adapter config is not a JSON object");
      }
      return parsed.getAsJsonObject();
    } catch (CharacterCodingException e) {
      throw new AdapterFileException(file, "malformed adapter config: not valid UTF-8");
    } catch (JsonParseException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new AdapterFileException(file, "malformed adapter config: "
          + String.valueOf(cause.getMessage()).lines().findFirst().orElse(""));
    }
  }
}
