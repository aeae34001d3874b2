//! Filtered-stream rules: list, add, delete, validate, and sync to a desired set.

use std::collections::{BTreeMap, BTreeSet};

use futures::StreamExt;

use crate::client::Client;
use crate::error::Error;
use crate::models::{
    AddOrDeleteRulesRequest, AddOrDeleteRulesRequestDelete, Problem, Rule, RuleNoId,
};
use crate::requests::Api;

/// A rule to add: its value (the filter) and an optional tag.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NewRule {
    /// The filter, e.g. `#RustLang -is:retweet`.
    pub value: String,
    /// A label of your choosing, echoed in `matching_rules`.
    pub tag: Option<String>,
}

impl NewRule {
    /// A rule without a tag.
    pub fn new(value: impl Into<String>) -> Self {
        NewRule {
            value: value.into(),
            tag: None,
        }
    }

    /// A rule with a tag.
    pub fn tagged(value: impl Into<String>, tag: impl Into<String>) -> Self {
        NewRule {
            value: value.into(),
            tag: Some(tag.into()),
        }
    }
}

/// A rule the API refused, with its reason.
#[derive(Clone, Debug)]
pub struct RuleFailure {
    /// The rule's value (or id, for deletions).
    pub rule: String,
    /// What the API said.
    pub problem: Problem,
}

/// What a change did.
#[derive(Clone, Debug, Default)]
pub struct RuleChange {
    /// Rules created (with their ids), or that would be, with `dry_run`.
    pub created: Vec<Rule>,
    /// Rules deleted, by id.
    pub deleted: Vec<String>,
    /// Rules the API refused.
    pub failures: Vec<RuleFailure>,
    /// Calls made.
    pub calls: usize,
}

/// The calls `sync` makes: rules to delete (by id) and rules to add.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RulePlan {
    /// Ids of live rules that are not desired.
    pub delete_ids: Vec<String>,
    /// Desired rules that are not live.
    pub add: Vec<NewRule>,
    /// Live rules kept as they are.
    pub unchanged: usize,
}

impl RulePlan {
    /// Computes the difference between the live rules and the desired ones.
    /// A rule is the same when value and tag are; a changed tag is a delete
    /// plus an add (the API has no update).
    pub fn between(current: &[Rule], desired: &[NewRule]) -> RulePlan {
        let wanted: BTreeSet<NewRule> = desired.iter().cloned().collect();
        let mut live: BTreeMap<NewRule, Vec<String>> = BTreeMap::new();
        for rule in current {
            let key = NewRule {
                value: rule.value.clone().unwrap_or_default(),
                tag: rule.tag.clone(),
            };
            live.entry(key)
                .or_default()
                .push(rule.id.clone().unwrap_or_default());
        }
        let mut plan = RulePlan::default();
        for (key, ids) in &live {
            if wanted.contains(key) {
                plan.unchanged += 1;
                // Duplicates of a wanted rule go.
                plan.delete_ids.extend(ids.iter().skip(1).cloned());
            } else {
                plan.delete_ids.extend(ids.iter().cloned());
            }
        }
        plan.add = wanted
            .into_iter()
            .filter(|k| !live.contains_key(k))
            .collect();
        plan.delete_ids.sort();
        plan
    }

    /// Whether nothing needs to change.
    pub fn is_empty(&self) -> bool {
        self.delete_ids.is_empty() && self.add.is_empty()
    }
}

/// Rule management for the filtered stream; see [`Client::rules`].
#[derive(Clone, Copy, Debug)]
pub struct Rules<'c> {
    client: &'c Client,
}

fn failures(errors: &[Problem]) -> Vec<RuleFailure> {
    errors
        .iter()
        .map(|p| RuleFailure {
            rule: p
                .value
                .clone()
                .or_else(|| p.id.clone())
                .or_else(|| {
                    p.extra
                        .get("value")
                        .and_then(|v| v.as_str())
                        .map(str::to_owned)
                })
                .unwrap_or_default(),
            problem: p.clone(),
        })
        .collect()
}

impl<'c> Rules<'c> {
    /// Every live rule (following pages).
    pub async fn list(&self) -> Result<Vec<Rule>, Error> {
        let mut out = Vec::new();
        let mut pages = self.client.stream().get_rules().max_results(1000).pages();
        while let Some(page) = pages.next().await {
            out.extend(page?.into_body().data.unwrap_or_default());
        }
        Ok(out)
    }

    /// Adds rules in one call. With `dry_run`, the API only validates them.
    pub async fn add(&self, rules: &[NewRule], dry_run: bool) -> Result<RuleChange, Error> {
        if rules.is_empty() {
            return Ok(RuleChange::default());
        }
        let body = AddOrDeleteRulesRequest {
            add: Some(
                rules
                    .iter()
                    .map(|r| RuleNoId {
                        value: Some(r.value.clone()),
                        tag: r.tag.clone(),
                        ..Default::default()
                    })
                    .collect(),
            ),
            ..Default::default()
        };
        let reply = self
            .client
            .stream()
            .update_rules(body)
            .dry_run(dry_run)
            .send()
            .await?;
        let body = reply.into_body();
        let change = RuleChange {
            created: body.data.unwrap_or_default(),
            failures: failures(body.errors.as_deref().unwrap_or(&[])),
            calls: 1,
            ..Default::default()
        };
        Self::check(change)
    }

    /// Deletes rules by id in one call.
    pub async fn delete_ids(&self, ids: &[String], dry_run: bool) -> Result<RuleChange, Error> {
        self.delete(Some(ids.to_vec()), None, dry_run).await
    }

    /// Deletes rules by value in one call.
    pub async fn delete_values(
        &self,
        values: &[String],
        dry_run: bool,
    ) -> Result<RuleChange, Error> {
        self.delete(None, Some(values.to_vec()), dry_run).await
    }

    async fn delete(
        &self,
        ids: Option<Vec<String>>,
        values: Option<Vec<String>>,
        dry_run: bool,
    ) -> Result<RuleChange, Error> {
        let n = ids.as_ref().map_or(0, Vec::len) + values.as_ref().map_or(0, Vec::len);
        if n == 0 {
            return Ok(RuleChange::default());
        }
        let deleted = ids.clone().unwrap_or_default();
        let body = AddOrDeleteRulesRequest {
            delete: Some(AddOrDeleteRulesRequestDelete {
                ids,
                values,
                ..Default::default()
            }),
            ..Default::default()
        };
        let reply = self
            .client
            .stream()
            .update_rules(body)
            .dry_run(dry_run)
            .send()
            .await?;
        let body = reply.into_body();
        let change = RuleChange {
            deleted,
            failures: failures(body.errors.as_deref().unwrap_or(&[])),
            calls: 1,
            ..Default::default()
        };
        Self::check(change)
    }

    fn check(change: RuleChange) -> Result<RuleChange, Error> {
        if change.failures.is_empty() {
            Ok(change)
        } else {
            let detail: Vec<String> = change
                .failures
                .iter()
                .map(|f| {
                    format!(
                        "{:?}: {}",
                        f.rule,
                        f.problem
                            .detail
                            .as_deref()
                            .or(f.problem.title.as_deref())
                            .unwrap_or("refused")
                    )
                })
                .collect();
            Err(Error::InvalidRequest {
                operation: "updateRules",
                parameter: "rules".into(),
                rule: detail.join("; "),
            })
        }
    }

    /// Makes the live rules equal to `desired` in the fewest calls: one
    /// deletion (if any) then one addition (if any). Returns the plan applied.
    pub async fn sync(
        &self,
        desired: &[NewRule],
        dry_run: bool,
    ) -> Result<(RulePlan, RuleChange), Error> {
        let current = self.list().await?;
        let plan = RulePlan::between(&current, desired);
        let mut change = RuleChange {
            calls: 1,
            ..Default::default()
        };
        if !plan.delete_ids.is_empty() {
            let d = self.delete_ids(&plan.delete_ids, dry_run).await?;
            change.deleted = d.deleted;
            change.calls += d.calls;
        }
        if !plan.add.is_empty() {
            let a = self.add(&plan.add, dry_run).await?;
            change.created = a.created;
            change.calls += a.calls;
        }
        Ok((plan, change))
    }
}

impl Client {
    /// Filtered-stream rule management.
    pub fn rules(&self) -> Rules<'_> {
        Rules { client: self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str, value: &str, tag: Option<&str>) -> Rule {
        Rule {
            id: Some(id.into()),
            value: Some(value.into()),
            tag: tag.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn plan_adds_missing_deletes_unwanted_and_keeps_the_rest() {
        let current = vec![
            rule("1", "rust", Some("lang")),
            rule("2", "cats", None),
            rule("3", "go", Some("old-tag")),
        ];
        let desired = vec![
            NewRule::tagged("rust", "lang"),
            NewRule::tagged("go", "new-tag"),
            NewRule::new("zig"),
        ];
        let plan = RulePlan::between(&current, &desired);
        assert_eq!(plan.delete_ids, vec!["2".to_string(), "3".to_string()]);
        assert_eq!(
            plan.add,
            vec![NewRule::tagged("go", "new-tag"), NewRule::new("zig")]
        );
        assert_eq!(plan.unchanged, 1);
        assert!(RulePlan::between(&[rule("1", "rust", None)], &[NewRule::new("rust")]).is_empty());
        let dupes = RulePlan::between(
            &[rule("1", "a", None), rule("2", "a", None)],
            &[NewRule::new("a")],
        );
        assert_eq!(dupes.delete_ids, vec!["2".to_string()]);
    }
}
