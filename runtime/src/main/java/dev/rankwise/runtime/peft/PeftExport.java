package dev.rankwise.runtime.peft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.rankwise.runtime.AdapterLayer;
import dev.rankwise.runtime.LowRankFactors;
import dev.rankwise.runtime.io.AdapterFiles;
import dev.rankwise.runtime.io.AtomicFiles;
import dev.rankwise.runtime.io.ClassifierRecord;
import dev.rankwise.runtime.io.FloatTensor;
import dev.rankwise.runtime.io.SafetensorsWriter;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.route.TaskRouterConfig;
import dev.rankwise.runtime.train.TaskHeads;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes an adapted model as Hugging Face PEFT LoRA adapters, in the files PEFT's {@code
 * PeftModel.save_pretrained} writes (PEFT {@value #PEFT_RELEASE}, {@code src/peft/peft_model.py},
 * {@code src/peft/utils/save_and_load.py}, {@code src/peft/tuners/lora/config.py}), so that {@code
 * PeftModel.from_pretrained(base, folder)} serves what rankwise served (docs/DESIGN.md §5).
 *
 * <p>Every method exports as plain LoRA ({@link AdapterLayer#plainLora}): a declaration with a task
 * router gives one adapter per task, named after it; one without gives a single adapter, {@code
 * default} (or one per task of the heads, when heads are given, all with the same LoRA). As PEFT
 * does, the {@code default} adapter is written into the output folder itself and every other one
 * into {@code <out>/<adapter>/}. Each folder holds:
 *
 * <ul>
 *   <li>{@code adapter_model.safetensors}: F32 tensors keyed as {@code get_peft_model_state_dict}
 *       returns them, the adapter name removed: {@code base_model.model.<path>.lora_A.weight} (r,
 *       in) and {@code ...lora_B.weight} (out, r); the task's head, a {@code modules_to_save}
 *       module called {@value #HEAD_MODULE}, as {@code base_model.model.classifier.weight} and
 *       {@code .bias}. Its {@code __metadata__} holds PEFT's {@code "format": "pt"} and rankwise's
 *       own record under {@code rankwise.*} keys, which PEFT ignores.
 *   <li>{@code adapter_config.json}: fields of PEFT's {@code LoraConfig} only, keys sorted as PEFT's
 *       {@code PeftConfigMixin.save_pretrained} writes them. The scale is folded into {@code B}, so
 *       {@code lora_alpha = r} and PEFT's scaling {@code lora_alpha / r} is 1; layers whose rank
 *       differs from {@code r} (adaptive rank experts) are named in {@code rank_pattern} and {@code
 *       alpha_pattern} with their own rank as alpha.
 * </ul>
 *
 * The output folder gets the model card PEFT writes there, {@value #MODEL_CARD}, naming the base and
 * the adapters, unless it has one already: that card is kept as it is (PEFT would update its
 * metadata; rankwise leaves a card someone wrote alone). Token-routed rank experts have no plain form (every token picks its own experts): exporting them
 * throws {@link IllegalStateException}.
 */
public final class PeftExport {

  /** The PEFT release whose source the files follow. */
  public static final String PEFT_RELEASE = "v0.20.0";

  /** The module name a task's head is saved under, as PEFT saves a classifier in {@code modules_to_save}. */
  public static final String HEAD_MODULE = "classifier";

  /** The adapter name PEFT writes into the output folder itself. */
  public static final String DEFAULT_ADAPTER = "default";

  /** The model card {@code save_pretrained} writes into the output folder. */
  public static final String MODEL_CARD = "README.md";

  /** Prefix of rankwise's own keys in the safetensors {@code __metadata__}. */
  public static final String METADATA_PREFIX = "rankwise.";

  private static final Logger LOG = LoggerFactory.getLogger(PeftExport.class);
  private static final String KEY_PREFIX = "base_model.model.";
  private static final Pattern ADAPTER_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");

  private final String baseModel;
  private String taskType;
  private TaskHeads heads;
  private ClassifierRecord record;

  private PeftExport(String baseModel) {
    if (baseModel == null || baseModel.isBlank()) {
      throw new IllegalArgumentException(
          "the base model's name or path must be given: PEFT's from_pretrained loads it from base_model_name_or_path");
    }
    this.baseModel = baseModel;
  }

  /**
   * An export of adapters trained on {@code baseModel}.
   *
   * @param baseModel written as {@code base_model_name_or_path}: the Hub id or folder of the base
   *     model the adapters' paths name modules of (such as {@code sentence-transformers/all-MiniLM-L6-v2})
   */
  public static PeftExport forBase(String baseModel) {
    return new PeftExport(baseModel);
  }

  /** PEFT's {@code task_type} to record, such as {@code FEATURE_EXTRACTION}; none (null) by default. */
  public PeftExport taskType(String taskType) {
    this.taskType = taskType;
    return this;
  }

  /** The task heads to save with each task's adapter, as the {@value #HEAD_MODULE} module; none by default. */
  public PeftExport heads(TaskHeads heads) {
    this.heads = heads;
    return this;
  }

  /** The classifier's record (encoder, labels), copied into each adapter's metadata; none by default. */
  public PeftExport record(ClassifierRecord record) {
    this.record = record;
    return this;
  }

  /** One adapter written: its PEFT name, its folder, and its rank {@code r} (the most common one). */
  public record Exported(String adapter, Path folder, int rank) {}

  /**
   * Writes every adapter of {@code adapted} under {@code out} (created if missing).
   *
   * @return the adapters written, in task order
   * @throws IllegalStateException if a layer's update has no plain LoRA form (token-routed experts)
   * @throws IllegalArgumentException if a task's name cannot name a PEFT adapter folder, or a target's
   *     path would be taken by PEFT for the head module
   */
  public List<Exported> write(AdaptedModel adapted, Path out) throws IOException {
    Map<String, AdapterLayer> layers = adapted.layers();
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("the model has no adapters to export");
    }
    for (String path : layers.keySet()) {
      if (Pattern.compile("(^|.*\\.)" + HEAD_MODULE + "($|\\..*)").matcher(path).matches()) {
        throw new IllegalArgumentException("cannot export adapter '" + path + "': PEFT would take it for the head"
            + " module '" + HEAD_MODULE + "' in modules_to_save and leave it without LoRA");
      }
    }
    List<String> names = adapterNames(adapted);
    Map<String, Integer> taskIds = taskIds(adapted, names);
    List<Exported> written = new ArrayList<>();
    for (String name : names) {
      Path folder = DEFAULT_ADAPTER.equals(name) ? out : out.resolve(name);
      written.add(writeAdapter(adapted, name, taskIds.get(name), folder));
    }
    Path card = out.resolve(MODEL_CARD);
    if (Files.exists(card)) {
      LOG.info("Kept the model card already in {}: an export does not overwrite what was written there", out);
    } else {
      AtomicFiles.write(card, modelCard(adapted, written).getBytes(StandardCharsets.UTF_8));
    }
    return written;
  }

  /**
   * The model card {@code save_pretrained} writes into the output folder ({@code
   * create_or_update_model_card}): {@code library_name: peft}, the base as {@code base_model}, the tags
   * of {@code _get_peft_specific_model_tags} for a LoRA on a transformers model; then what was
   * exported, for the reader.
   */
  private String modelCard(AdaptedModel adapted, List<Exported> written) {
    StringBuilder card = new StringBuilder("---\n")
        .append("base_model: ").append(yamlString(baseModel)).append('\n')
        .append("library_name: peft\n")
        .append("tags:\n")
        .append("- ").append(yamlString("base_model:adapter:" + baseModel)).append('\n')
        .append("- lora\n")
        .append("- transformers\n")
        .append("---\n\n")
        .append("# ").append(adapted.spec().declaringType()).append(", exported by rankwise\n\n")
        .append("Plain LoRA adapters of ").append(baseModel).append(", trained with rankwise and written as PEFT ")
        .append(PEFT_RELEASE).append("'s `save_pretrained` writes them: load one with")
        .append(" `PeftModel.from_pretrained(AutoModel.from_pretrained(base), folder)`.")
        .append(heads == null ? "" : " Each holds its task's head as the `modules_to_save` module `" + HEAD_MODULE
            + "`, which reads the base's pooled sentence vector.")
        .append("\n\n| adapter | folder | r |\n|---|---|---:|\n");
    for (Exported one : written) {
      card.append("| ").append(one.adapter()).append(" | ")
          .append(DEFAULT_ADAPTER.equals(one.adapter()) ? "." : one.adapter()).append(" | ").append(one.rank())
          .append(" |\n");
    }
    return card.append("\nrankwise's own record (declaration, tasks, labels, encoder) is in each weights file's")
        .append(" `__metadata__`, under `").append(METADATA_PREFIX).append("*`.\n").toString();
  }

  /** A YAML double-quoted scalar: a JSON string is one. */
  private static String yamlString(String value) {
    return new GsonBuilder().disableHtmlEscaping().create().toJson(value);
  }

  /** The router's tasks; without a router, the heads' tasks or the one {@code default} adapter. */
  private List<String> adapterNames(AdaptedModel adapted) {
    List<String> names = adapted.spec().taskRouter().map(TaskRouterConfig::tasks)
        .orElse(heads != null ? heads.tasks() : List.of(DEFAULT_ADAPTER));
    for (String name : names) {
      if (!ADAPTER_NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
        throw new IllegalArgumentException("task '" + name + "' cannot name a PEFT adapter: PEFT writes an adapter"
            + " into a folder of its name, so a name is letters, digits, '_', '-' and '.', not starting with '.' or '-'");
      }
    }
    if (heads != null && !heads.tasks().containsAll(names)) {
      throw new IllegalArgumentException("the heads are for tasks " + heads.tasks() + ", the adapters for " + names);
    }
    return names;
  }

  /** Each adapter's task index for {@link AdapterLayer#plainLora}: its router index, 0 without a router. */
  private static Map<String, Integer> taskIds(AdaptedModel adapted, List<String> names) {
    Map<String, Integer> ids = new LinkedHashMap<>();
    TaskRouterConfig router = adapted.spec().taskRouter().orElse(null);
    for (String name : names) {
      ids.put(name, router == null ? 0 : router.taskId(name));
    }
    return ids;
  }

  private Exported writeAdapter(AdaptedModel adapted, String name, int task, Path folder) throws IOException {
    Map<String, FloatTensor> tensors = new LinkedHashMap<>();
    Map<String, Integer> ranks = new LinkedHashMap<>();
    try (NDManager manager = NDManager.newBaseManager()) {
      for (Map.Entry<String, AdapterLayer> layer : adapted.layers().entrySet()) {
        LowRankFactors lora;
        try {
          lora = layer.getValue().plainLora(task, manager);
        } catch (IllegalStateException e) {
          throw new IllegalStateException("cannot export '" + layer.getKey() + "' of " + adapted.spec().declaringType()
              + " as a PEFT LoRA: " + e.getMessage(), e);
        }
        tensors.put(KEY_PREFIX + layer.getKey() + ".lora_A.weight", tensor(lora.a(), layer.getKey()));
        tensors.put(KEY_PREFIX + layer.getKey() + ".lora_B.weight", tensor(lora.b(), layer.getKey()));
        ranks.put(layer.getKey(), Math.toIntExact(lora.rank()));
      }
    }
    if (heads != null) {
      String prefix = "heads." + name + ".";
      for (Map.Entry<String, Parameter> parameter : heads.namedParameters().entrySet()) {
        if (parameter.getKey().startsWith(prefix)) {
          String key = KEY_PREFIX + HEAD_MODULE + "." + parameter.getKey().substring(prefix.length());
          tensors.put(key, tensor(parameter.getValue().getArray(), "the head of task '" + name + "'"));
        }
      }
    }
    int rank = commonRank(ranks);
    String config = new GsonBuilder().setPrettyPrinting().serializeNulls().create()
        .toJson(config(ranks, rank));
    AtomicFiles.createDirectories(folder);
    SafetensorsWriter.write(folder.resolve(AdapterFiles.WEIGHTS_FILE), tensors, metadata(adapted, name));
    AtomicFiles.write(folder.resolve(AdapterFiles.CONFIG_FILE), (config + "\n").getBytes(StandardCharsets.UTF_8));
    LOG.info("exported adapter '{}' of {} as a PEFT LoRA of rank {} to {}", name, adapted.spec().declaringType(),
        rank, folder);
    return new Exported(name, folder, rank);
  }

  private static FloatTensor tensor(NDArray array, String what) {
    float[] values = array.toType(DataType.FLOAT32, false).toFloatArray();
    for (float value : values) {
      if (!Float.isFinite(value)) {
        throw new IllegalStateException("refusing to export " + what + ": it holds " + value
            + "; training diverged, so export an earlier checkpoint");
      }
    }
    return new FloatTensor(array.getShape().getShape(), values);
  }

  /** The rank most layers have (the larger of equally common ones): PEFT's {@code r}. */
  private static int commonRank(Map<String, Integer> ranks) {
    Map<Integer, Integer> counts = new TreeMap<>(Comparator.reverseOrder());
    ranks.values().forEach(rank -> counts.merge(rank, 1, Integer::sum));
    return counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
  }

  /**
   * PEFT's {@code LoraConfig} as {@code to_dict} gives it, restricted to fields PEFT has had since
   * long before {@value #PEFT_RELEASE} (an older PEFT warns about fields it lacks); the others keep
   * their defaults on load. Keys sorted, as PEFT writes them.
   */
  private JsonObject config(Map<String, Integer> ranks, int rank) {
    Map<String, JsonElement> fields = new TreeMap<>();
    JsonObject rankPattern = new JsonObject();
    JsonObject alphaPattern = new JsonObject();
    JsonArray targets = new JsonArray();
    ranks.keySet().stream().sorted().forEach(targets::add);
    ranks.forEach((path, own) -> {
      if (own != rank) {
        // PEFT matches a pattern key as the regex (.*\.)?(key)$ (utils/other.py get_pattern_key): dots escaped.
        String key = path.replace(".", "\\.");
        rankPattern.addProperty(key, own);
        alphaPattern.addProperty(key, own);
      }
    });
    JsonArray modulesToSave = new JsonArray();
    if (heads != null) {
      modulesToSave.add(HEAD_MODULE);
    }
    fields.put("alpha_pattern", alphaPattern);
    fields.put("base_model_name_or_path", new JsonPrimitive(baseModel));
    fields.put("bias", new JsonPrimitive("none"));
    fields.put("fan_in_fan_out", new JsonPrimitive(false));
    fields.put("inference_mode", new JsonPrimitive(true));
    fields.put("init_lora_weights", new JsonPrimitive(true));
    fields.put("layers_pattern", JsonNull.INSTANCE);
    fields.put("layers_to_transform", JsonNull.INSTANCE);
    fields.put("lora_alpha", new JsonPrimitive(rank));
    fields.put("lora_dropout", new JsonPrimitive(0.0));
    fields.put("modules_to_save", heads == null ? JsonNull.INSTANCE : modulesToSave);
    fields.put("peft_type", new JsonPrimitive("LORA"));
    fields.put("r", new JsonPrimitive(rank));
    fields.put("rank_pattern", rankPattern);
    fields.put("revision", JsonNull.INSTANCE);
    fields.put("target_modules", targets);
    fields.put("task_type", taskType == null ? JsonNull.INSTANCE : new JsonPrimitive(taskType));
    fields.put("use_dora", new JsonPrimitive(false));
    fields.put("use_rslora", new JsonPrimitive(false));
    JsonObject config = new JsonObject();
    fields.forEach(config::add);
    return config;
  }

  /** rankwise's record of the adapter, in the safetensors metadata (strings), where PEFT does not look. */
  private Map<String, String> metadata(AdaptedModel adapted, String name) {
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put(METADATA_PREFIX + "format_version", Integer.toString(AdapterFiles.FORMAT_VERSION));
    metadata.put(METADATA_PREFIX + "declaring_type", adapted.spec().declaringType());
    metadata.put(METADATA_PREFIX + "adapter", name);
    adapted.spec().taskRouter().ifPresent(router -> metadata.put(METADATA_PREFIX + "tasks", json(router.tasks())));
    JsonObject kinds = new JsonObject();
    adapted.layers().forEach((path, layer) -> kinds.addProperty(path, layer.getClass().getSimpleName()));
    metadata.put(METADATA_PREFIX + "layers", kinds.toString());
    if (record != null) {
      metadata.put(METADATA_PREFIX + "encoder", record.encoder());
      List<String> labels = record.labels().get(name);
      if (labels != null) {
        metadata.put(METADATA_PREFIX + "labels", json(labels));
      }
    }
    return metadata;
  }

  private static String json(List<String> values) {
    JsonArray array = new JsonArray();
    values.forEach(array::add);
    return array.toString();
  }
}
