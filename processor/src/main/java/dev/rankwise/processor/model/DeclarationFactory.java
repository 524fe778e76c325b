package dev.rankwise.processor.model;

import com.google.auto.common.MoreElements;
import dev.rankwise.processor.model.Declaration.AdapterDeclaration;
import dev.rankwise.processor.model.Declaration.FieldDeclaration;
import dev.rankwise.processor.model.Declaration.LoraDeclaration;
import dev.rankwise.processor.model.Declaration.RankExpertsDeclaration;
import dev.rankwise.processor.model.Declaration.RouterDeclaration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.util.ElementFilter;

/** Builds the immutable {@link Declaration} of a type whose declaration passed validation. */
public final class DeclarationFactory {

  /** Reads the declaration of {@code type}. */
  public Declaration create(TypeElement type) {
    List<String> simpleNames = new ArrayList<>();
    for (Element element = type; element.getKind() != ElementKind.PACKAGE;
        element = element.getEnclosingElement()) {
      simpleNames.add(0, element.getSimpleName().toString());
    }
    List<FieldDeclaration> fields = new ArrayList<>();
    for (VariableElement field : ElementFilter.fieldsIn(type.getEnclosedElements())) {
      adapter(field).ifPresent(adapter -> fields.add(new FieldDeclaration(field.getSimpleName().toString(), adapter)));
    }
    Optional<RouterDeclaration> router =
        Attributes.of(type, Attributes.TASK_ROUTER)
            .map(attributes -> new RouterDeclaration(
                attributes.strings("tasks"),
                attributes.booleanValue("adaptive"),
                attributes.doubleValue("contrastive")));
    return new Declaration(
        type,
        MoreElements.getPackage(type).getQualifiedName().toString(),
        simpleNames,
        type.getQualifiedName().toString(),
        adapter(type),
        fields,
        router);
  }

  /** The adapter declared on an element, if any. */
  static Optional<AdapterDeclaration> adapter(Element element) {
    Optional<Attributes> lora = Attributes.of(element, Attributes.LORA);
    if (lora.isPresent()) {
      Attributes a = lora.get();
      return Optional.of(new LoraDeclaration(
          a.intValue("rankA"), a.intValue("rankB"), a.doubleValue("alpha"), a.doubleValue("dropout"),
          a.enumValue("mixer"), a.booleanValue("rsLora"), a.booleanValue("perTask"), a.strings("targets")));
    }
    return Attributes.of(element, Attributes.RANK_EXPERTS)
        .map(a -> new RankExpertsDeclaration(
            a.intValue("count"), a.intValue("topK"), a.doubleValue("alpha"), a.doubleValue("dropout"),
            a.doubleValue("balance"), a.strings("targets")));
  }
}
