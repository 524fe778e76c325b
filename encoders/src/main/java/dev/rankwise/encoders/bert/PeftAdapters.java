package dev.rankwise.encoders.bert;

import dev.rankwise.runtime.io.FloatTensor;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.PeftImport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Imports a Hugging Face PEFT LoRA adapter trained on a BERT, RoBERTa or DistilBERT model into a
 * {@link BertModel}: {@code PeftModel.save_pretrained}'s folder ({@code adapter_config.json}, {@code
 * adapter_model.safetensors}) for a task model ({@code BertForSequenceClassification} and the like,
 * whose keys carry {@code bert.}, {@code roberta.} or {@code distilbert.}) or for a bare encoder. The
 * rules are the runtime's {@link PeftImport} (PEFT v0.20.0's rank and alpha patterns, rsLoRA; DoRA
 * and pickle files refused); the weights are read by the encoders' reader, so F16 and BF16 tensors
 * become float32 as a model's do (docs/DESIGN.md §5).
 */
public final class PeftAdapters {

  private PeftAdapters() {}

  /**
   * Attaches the folder's adapters to {@code model} (a fresh one, as {@link BertEncoder#newBlock}
   * gives) and loads their weights, all or nothing.
   *
   * @return the adapted model: serve it, train it further, save it in rankwise's format or merge it
   * @throws IOException naming the file and the key, if the folder is not a plain-LoRA PEFT adapter
   *     for this model's layout and sizes
   */
  public static AdaptedModel load(BertModel model, Path folder) throws IOException {
    return load(model, PeftImport.read(folder));
  }

  /** {@link #load(BertModel, Path)} of a folder whose config has been read. */
  public static AdaptedModel load(BertModel model, PeftImport peft) throws IOException {
    Weights weights = SafetensorsWeights.read(peft.weightsFile());
    Map<String, FloatTensor> tensors = new LinkedHashMap<>();
    weights.tensors().forEach((name, tensor) -> tensors.put(name, new FloatTensor(tensor.shape(), tensor.values())));
    return peft.attach(model, tensors, model.config().layout().checkpointPrefix());
  }
}
