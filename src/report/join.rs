//! Joins the parts of a report, each laid out as a document of its own (see `report::lay_out`),
//! into one PDF, and lays each page's footer over it: "page n of N" is known only once every part
//! is laid out, so the footers are a document of their own too.

use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

/// The name the footer takes among a page's resources.
const FOOTER: &str = "PlantrackFooter";

/// The parts' pages in order under the first part's catalog, their outlines (bookmarks) one after
/// another, and the pages of `footers` laid over them, page by page. The first `nested[i]` outline
/// items of part i go on under the last top item before them.
pub(super) fn join(parts: &[Vec<u8>], nested: &[usize], footers: &[u8]) -> Result<Vec<u8>, String> {
    let (first, rest) = parts.split_first().ok_or("a report of no parts")?;
    joined(first, rest, nested.get(1..).unwrap_or_default(), footers)
        .map_err(|e| format!("the report's parts could not be joined: {e}"))
}

fn joined(first: &[u8], rest: &[Vec<u8>], nested: &[usize], footers: &[u8]) -> lopdf::Result<Vec<u8>> {
    let mut joined = Document::load_mem(first)?;
    let pages_root = joined.catalog()?.get(b"Pages")?.as_reference()?;
    let mut pages: Vec<ObjectId> = joined.page_iter().collect();
    let mut outline = outline_items(&joined)?;
    for (i, part) in rest.iter().enumerate() {
        let part = take_in(&mut joined, Document::load_mem(part)?)?;
        for &page in &part.pages {
            joined.get_dictionary_mut(page)?.set("Parent", pages_root);
        }
        pages.extend(part.pages);
        let (under, top) = part.outline.split_at(nested.get(i).copied().unwrap_or(0).min(part.outline.len()));
        match outline.last() {
            Some(&parent) if !under.is_empty() => add_children(&mut joined, parent, under)?,
            _ => outline.extend_from_slice(under),
        }
        outline.extend_from_slice(top);
    }
    let kids: Vec<Object> = pages.iter().map(|&id| Object::Reference(id)).collect();
    let root = joined.get_dictionary_mut(pages_root)?;
    root.set("Count", kids.len() as i64);
    root.set("Kids", kids);
    link_outline(&mut joined, &outline)?;
    // Parts are written untagged (joining them would need every part's structure tree merged):
    // nothing may claim the joined report is tagged.
    let catalog = joined.catalog_mut()?;
    catalog.remove(b"StructTreeRoot");
    catalog.remove(b"MarkInfo");
    for &page in &pages {
        joined.get_dictionary_mut(page)?.remove(b"StructParents");
    }
    lay_over(&mut joined, &pages, Document::load_mem(footers)?)?;
    joined.prune_objects();
    let mut pdf = Vec::new();
    joined.save_to(&mut pdf)?;
    Ok(pdf)
}

/// What a part brings to the joined document: its pages and its outline's top items, in order.
struct TakenIn {
    pages: Vec<ObjectId>,
    outline: Vec<ObjectId>,
}

/// Moves a part's objects into `joined` under new numbers, all but its catalog and its page and
/// outline roots (the joined document has its own).
fn take_in(joined: &mut Document, mut part: Document) -> lopdf::Result<TakenIn> {
    part.renumber_objects_with(joined.max_id + 1);
    let catalog = part.catalog()?;
    let left_out = [
        Some(part.trailer.get(b"Root")?.as_reference()?),
        Some(catalog.get(b"Pages")?.as_reference()?),
        catalog.get(b"Outlines").and_then(Object::as_reference).ok(),
    ];
    let taken = TakenIn { pages: part.page_iter().collect(), outline: outline_items(&part)? };
    for (id, object) in std::mem::take(&mut part.objects) {
        if !left_out.contains(&Some(id)) {
            joined.objects.insert(id, object);
        }
    }
    joined.max_id = joined.max_id.max(part.max_id);
    Ok(taken)
}

/// The top items of a document's outline, in order.
fn outline_items(doc: &Document) -> lopdf::Result<Vec<ObjectId>> {
    let Ok(outlines) = doc.catalog()?.get(b"Outlines").and_then(Object::as_reference) else {
        return Ok(Vec::new());
    };
    let mut items = Vec::new();
    let mut next = doc.get_dictionary(outlines)?.get(b"First").and_then(Object::as_reference).ok();
    while let Some(item) = next {
        if items.contains(&item) {
            break;
        }
        items.push(item);
        next = doc.get_dictionary(item)?.get(b"Next").and_then(Object::as_reference).ok();
    }
    Ok(items)
}

/// Adds `items` (top items of a part's outline) after the children of `parent`.
fn add_children(joined: &mut Document, parent: ObjectId, items: &[ObjectId]) -> lopdf::Result<()> {
    let last = joined.get_dictionary(parent)?.get(b"Last").and_then(Object::as_reference).ok();
    let mut previous = last;
    for &item in items {
        let dict = joined.get_dictionary_mut(item)?;
        dict.set("Parent", parent);
        dict.remove(b"Next");
        match previous {
            Some(previous) => dict.set("Prev", previous),
            None => _ = dict.remove(b"Prev"),
        }
        match previous {
            Some(previous) => joined.get_dictionary_mut(previous)?.set("Next", item),
            None => joined.get_dictionary_mut(parent)?.set("First", item),
        }
        previous = Some(item);
    }
    let parent = joined.get_dictionary_mut(parent)?;
    if let Some(last) = previous {
        parent.set("Last", last);
    }
    // A positive count: the item is open, and shows this many; a negative one: closed.
    let count = parent.get(b"Count").and_then(Object::as_i64).unwrap_or(0);
    let added = items.len() as i64;
    parent.set("Count", if count < 0 { count - added } else { count + added });
    Ok(())
}

/// Chains the parts' top outline items under the joined document's outline root.
fn link_outline(joined: &mut Document, items: &[ObjectId]) -> lopdf::Result<()> {
    let (Some(&first), Some(&last)) = (items.first(), items.last()) else {
        return Ok(());
    };
    let root = match joined.catalog()?.get(b"Outlines").and_then(Object::as_reference) {
        Ok(root) => root,
        Err(_) => {
            let root = joined.add_object(Dictionary::from_iter([("Type", Object::Name(b"Outlines".to_vec()))]));
            joined.catalog_mut()?.set("Outlines", root);
            root
        }
    };
    for (i, &item) in items.iter().enumerate() {
        let dict = joined.get_dictionary_mut(item)?;
        dict.set("Parent", root);
        match i.checked_sub(1).map(|p| items[p]) {
            Some(previous) => dict.set("Prev", previous),
            None => _ = dict.remove(b"Prev"),
        }
        match items.get(i + 1) {
            Some(&next) => dict.set("Next", next),
            None => _ = dict.remove(b"Next"),
        }
    }
    let root = joined.get_dictionary_mut(root)?;
    root.set("First", first);
    root.set("Last", last);
    root.set("Count", items.len() as i64);
    Ok(())
}

/// Lays page i of `footers` over page i of `pages` (as a form XObject drawn after the page's own
/// content, which is wrapped in q … Q so that nothing it leaves in the graphics state moves it).
fn lay_over(joined: &mut Document, pages: &[ObjectId], footers: Document) -> lopdf::Result<()> {
    let footer_pages: Vec<ObjectId> = footers.page_iter().collect();
    if footer_pages.len() != pages.len() {
        // The first page without a footer, or the first footer without a page.
        return Err(lopdf::Error::PageNumberNotFound(footer_pages.len().min(pages.len()) as u32 + 1));
    }
    let taken = take_in(joined, footers)?;
    for (&page, &footer) in pages.iter().zip(&taken.pages) {
        let form = footer_form(joined, footer)?;
        let form = joined.add_object(form);
        let mut resources = resolved_dict(joined, joined.get_dictionary(page)?.get(b"Resources").ok())?;
        let mut xobjects = resolved_dict(joined, resources.get(b"XObject").ok())?;
        xobjects.set(FOOTER, form);
        resources.set("XObject", xobjects);
        let before = joined.add_object(Stream::new(Dictionary::new(), b"q\n".to_vec()));
        let after = joined.add_object(Stream::new(Dictionary::new(), format!("\nQ\nq /{FOOTER} Do Q\n").into_bytes()));
        let mut contents = vec![Object::Reference(before)];
        contents.extend(joined.get_page_contents(page).into_iter().map(Object::Reference));
        contents.push(Object::Reference(after));
        let dict = joined.get_dictionary_mut(page)?;
        dict.set("Resources", resources);
        dict.set("Contents", contents);
    }
    Ok(())
}

/// A footer page as a form XObject: its content, resources and box.
fn footer_form(doc: &Document, page: ObjectId) -> lopdf::Result<Stream> {
    let dict = doc.get_dictionary(page)?;
    let resources = resolved_dict(doc, dict.get(b"Resources").ok())?;
    let bbox = dict.get(b"MediaBox").cloned().unwrap_or_else(|_| {
        Object::Array([0.0, 0.0, 595.28, 841.89].into_iter().map(|v: f32| Object::Real(v)).collect())
    });
    let mut form = Stream::new(
        Dictionary::from_iter([
            ("Type", Object::Name(b"XObject".to_vec())),
            ("Subtype", Object::Name(b"Form".to_vec())),
            ("BBox", bbox),
            ("Resources", Object::Dictionary(resources)),
        ]),
        doc.get_page_content(page)?,
    );
    form.compress()?;
    Ok(form)
}

/// A dictionary given inline or by reference, as an inline copy (empty when there is none).
fn resolved_dict(doc: &Document, object: Option<&Object>) -> lopdf::Result<Dictionary> {
    match object {
        None => Ok(Dictionary::new()),
        Some(Object::Reference(id)) => Ok(doc.get_dictionary(*id)?.clone()),
        Some(object) => Ok(object.as_dict()?.clone()),
    }
}
