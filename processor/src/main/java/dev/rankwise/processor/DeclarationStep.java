package dev.rankwise.processor;

import com.google.common.collect.ImmutableSetMultimap;
import dev.rankwise.processor.model.Attributes;
import dev.rankwise.processor.model.Declaration;
import dev.rankwise.processor.model.DeclarationFactory;
import dev.rankwise.processor.validation.DeclarationValidator;
import dev.rankwise.processor.validation.ValidationReport;
import dev.rankwise.processor.writing.AdapterWriter;
import dev.rankwise.processor.writing.GeneratedNames;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import javax.annotation.processing.Messager;
import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;

/**
 * Handles the three annotations together, per declaring type: a type's declaration is its
 * type-level annotations plus its annotated fields, and it yields one adapter class, so the
 * steps of the three annotations would otherwise race to write the same file. Each type:
 * validate → report → (if clean) model → write. One bad type never stops the others, and no
 * exception escapes.
 */
final class DeclarationStep implements com.google.auto.common.BasicAnnotationProcessor.Step {

  private final Messager messager;
  private final DeclarationValidator validator;
  private final DeclarationFactory factory;
  private final AdapterWriter adapterWriter;
  /** Generated class name → the type it was generated for, across rounds. */
  private final Map<String, String> generatedFor = new HashMap<>();

  DeclarationStep(
      Messager messager,
      DeclarationValidator validator,
      DeclarationFactory factory,
      AdapterWriter adapterWriter) {
    this.messager = messager;
    this.validator = validator;
    this.factory = factory;
    this.adapterWriter = adapterWriter;
  }

  @Override
  public Set<String> annotations() {
    return Set.of(Attributes.LORA, Attributes.RANK_EXPERTS, Attributes.TASK_ROUTER);
  }

  @Override
  public Set<? extends Element> process(ImmutableSetMultimap<String, Element> elementsByAnnotation) {
    Set<TypeElement> types = new LinkedHashSet<>();
    for (Element element : elementsByAnnotation.values()) {
      types.add(element instanceof TypeElement type ? type : (TypeElement) element.getEnclosingElement());
    }
    for (TypeElement type : types) {
      try {
        if (validator.hasErroneousValues(type)) {
          continue;
        }
        ValidationReport report = validator.validate(type);
        report.printTo(messager);
        if (report.isClean()) {
          Declaration declaration = factory.create(type);
          String generated = GeneratedNames.adapter(declaration).canonicalName();
          String other = generatedFor.putIfAbsent(generated, declaration.canonicalName());
          if (other != null && !other.equals(declaration.canonicalName())) {
            messager.printMessage(
                Diagnostic.Kind.ERROR, ErrorMessages.generatedNameClash(generated, other), type);
            continue;
          }
          adapterWriter.write(declaration);
        }
      } catch (RuntimeException | LinkageError e) {
        messager.printMessage(
            Diagnostic.Kind.ERROR, ErrorMessages.processingFailed(type.getQualifiedName().toString(), e), type);
      }
    }
    return Set.of();
  }
}
