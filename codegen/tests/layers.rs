//! The modules of `codegen/src` import one another without circles: each
//! uses only modules below it, so each can be read, and tested, on top of
//! the ones it names.
//!
//! A module's imports are the `crate::…` paths of its code outside its tests
//! (`use` items and paths in expressions and types; the tokens of `quote!`
//! name the generated crate, not this one, and are not read).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use syn::visit_mut::{self, VisitMut};

/// Modules named by `crate::…` paths, collected while walking a file.
struct Imports {
    modules: BTreeSet<String>,
    found: BTreeSet<String>,
}

impl Imports {
    fn note_module(&mut self, ident: &syn::Ident) {
        let name = ident.to_string();
        if self.modules.contains(&name) {
            self.found.insert(name);
        }
    }

    fn note(&mut self, first: &syn::Ident, second: Option<&syn::Ident>) {
        if first == "crate" {
            if let Some(module) = second {
                self.note_module(module);
            }
        }
    }

    fn note_use(&mut self, tree: &syn::UseTree, after_crate: bool) {
        match tree {
            syn::UseTree::Path(p) if p.ident == "crate" => self.note_use(&p.tree, true),
            syn::UseTree::Path(p) if after_crate => self.note_module(&p.ident),
            syn::UseTree::Name(n) if after_crate => self.note_module(&n.ident),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.note_use(t, after_crate);
                }
            }
            _ => {}
        }
    }
}

// A read-only walk: `syn` is built without its `visit` feature.
impl VisitMut for Imports {
    fn visit_item_mut(&mut self, item: &mut syn::Item) {
        if is_test_only(item) {
            return;
        }
        if let syn::Item::Use(u) = item {
            self.note_use(&u.tree, false);
        }
        visit_mut::visit_item_mut(self, item);
    }

    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        let mut segments = path.segments.iter().map(|s| &s.ident);
        if let Some(first) = segments.next() {
            self.note(first, segments.next());
        }
        visit_mut::visit_path_mut(self, path);
    }
}

fn is_test_only(item: &syn::Item) -> bool {
    let attrs = match item {
        syn::Item::Mod(m) => &m.attrs,
        syn::Item::Fn(f) => &f.attrs,
        syn::Item::Use(u) => &u.attrs,
        _ => return false,
    };
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Ident>()
                .is_ok_and(|ident| ident == "test")
    })
}

/// Module → the modules it imports, for every file of `src` but `lib.rs`.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(&src).expect("codegen/src") {
        let path = entry.expect("an entry").path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_some_and(|e| e == "rs") && stem != "lib" {
            let text = std::fs::read_to_string(&path).expect("a source file");
            files.insert(stem.to_owned(), text);
        }
    }
    let modules: BTreeSet<String> = files.keys().cloned().collect();
    files
        .into_iter()
        .map(|(name, text)| {
            let mut file = syn::parse_file(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            let mut imports = Imports {
                modules: modules.clone(),
                found: BTreeSet::new(),
            };
            imports.visit_file_mut(&mut file);
            imports.found.remove(&name);
            (name, imports.found)
        })
        .collect()
}

/// The modules in an order where each comes after every module it imports,
/// or the modules left on circles.
fn layers(graph: &BTreeMap<String, BTreeSet<String>>) -> Result<Vec<String>, Vec<String>> {
    let mut placed: Vec<String> = Vec::new();
    let mut left: BTreeMap<&String, &BTreeSet<String>> = graph.iter().collect();
    while !left.is_empty() {
        let ready: Vec<&String> = left
            .iter()
            .filter(|(_, deps)| deps.iter().all(|d| placed.contains(d)))
            .map(|(name, _)| *name)
            .collect();
        if ready.is_empty() {
            return Err(left.keys().map(|n| (*n).clone()).collect());
        }
        for name in ready {
            left.remove(name);
            placed.push(name.clone());
        }
    }
    Ok(placed)
}

#[test]
fn the_modules_import_one_another_without_circles() {
    let graph = graph();
    assert!(graph.len() > 5, "the sources are found: {graph:?}");
    if let Err(circles) = layers(&graph) {
        let edges: Vec<String> = circles
            .iter()
            .map(|m| format!("{m} → {:?}", graph[m]))
            .collect();
        panic!(
            "modules on an import circle, or above one: {circles:?}\n{}",
            edges.join("\n")
        );
    }
}

#[test]
fn the_import_reader_sees_uses_and_paths_but_not_tests_or_quotes() {
    let modules: BTreeSet<String> = ["a", "b", "c", "d", "e"].map(str::to_owned).into();
    let mut file: syn::File = syn::parse_str(
        r#"
        use crate::a::{self, X};
        use crate::{b, other};
        fn f() -> crate::c::Y { quote!(crate::d::Z) }
        #[cfg(test)]
        mod tests { use crate::e; }
        "#,
    )
    .expect("parses");
    let mut imports = Imports {
        modules,
        found: BTreeSet::new(),
    };
    imports.visit_file_mut(&mut file);
    assert_eq!(imports.found, ["a", "b", "c"].map(str::to_owned).into());

    let circle: BTreeMap<String, BTreeSet<String>> =
        [("x", vec!["y"]), ("y", vec!["x"]), ("z", vec![])]
            .into_iter()
            .map(|(m, deps)| (m.to_owned(), deps.into_iter().map(str::to_owned).collect()))
            .collect();
    assert_eq!(layers(&circle), Err(vec!["x".to_owned(), "y".to_owned()]));
    let line: BTreeMap<String, BTreeSet<String>> = [("x", vec!["y"]), ("y", vec![])]
        .into_iter()
        .map(|(m, deps)| (m.to_owned(), deps.into_iter().map(str::to_owned).collect()))
        .collect();
    assert_eq!(layers(&line), Ok(vec!["y".to_owned(), "x".to_owned()]));
}
