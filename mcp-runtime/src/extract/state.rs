//! `State<T>`: shared values registered on the server builder.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use super::rejection::MissingState;
use super::{Context, FromContext};
use crate::error::Error;

/// Extracts a value registered with [`ServerBuilder::state`](crate::ServerBuilder::state).
///
/// The value is cloned for each call, so wrap large or mutable state in an `Arc`.
#[derive(Debug, Clone, Copy, Default)]
pub struct State<T>(pub T);

impl<T> std::ops::Deref for State<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Clone + Send + Sync + 'static> FromContext for State<T> {
    async fn from_context(ctx: &Context) -> Result<Self, Error> {
        ctx.state::<T>()
            .map(State)
            .ok_or_else(|| MissingState::of::<T>().into())
    }

    fn requirements(needs: &mut super::Requirements) {
        needs.state::<T>();
    }
}

/// A type map of shared state.
#[derive(Default, Clone)]
pub(crate) struct Extensions(HashMap<TypeId, Arc<dyn Any + Send + Sync>>);

impl Extensions {
    pub(crate) fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.0.insert(TypeId::of::<T>(), Arc::new(value));
    }

    pub(crate) fn contains(&self, id: TypeId) -> bool {
        self.0.contains_key(&id)
    }

    pub(crate) fn get<T: 'static>(&self) -> Option<&T> {
        self.0
            .get(&TypeId::of::<T>())
            .and_then(|v| v.downcast_ref())
    }
}
