//! Broadcast state (Flink's `MapStateDescriptor` passed to `broadcast(..)`): maps that every
//! parallel instance keeps its own identical copy of, written only by broadcast elements, and
//! the contexts of broadcast process functions.

use crate::collector::{OutputTag, SideOutputs};
use crate::keyed::KeyedContext;
use crate::time::ProcessingTimeService;
use rasch_core::{Error, NO_TIMESTAMP, Result};
use rasch_state::{StateContext, StateValue, StateView};
use std::any::Any;
use std::cell::OnceCell;
use std::collections::HashMap;
use std::hash::Hash;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// Names a broadcast map state with keys `UK` and values `UV` (Flink's
/// `MapStateDescriptor<UK, UV>` used for broadcast state).
pub struct BroadcastStateDescriptor<UK, UV> {
    name: Arc<str>,
    _types: PhantomData<fn() -> (UK, UV)>,
}

impl<UK, UV> BroadcastStateDescriptor<UK, UV> {
    /// A descriptor for the broadcast state `name` (unique within the operator).
    pub fn new(name: impl Into<Arc<str>>) -> Self {
        BroadcastStateDescriptor { name: name.into(), _types: PhantomData }
    }
    /// The state's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl<UK, UV> Clone for BroadcastStateDescriptor<UK, UV> {
    fn clone(&self) -> Self {
        BroadcastStateDescriptor { name: self.name.clone(), _types: PhantomData }
    }
}

impl<UK, UV> std::fmt::Debug for BroadcastStateDescriptor<UK, UV> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BroadcastStateDescriptor({})", self.name)
    }
}

/// A broadcast map seen without its types: downcast for access, encode for snapshots.
trait AnyMap {
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn encode(&self) -> Result<Vec<u8>>;
}

impl<UK: StateValue + Hash + Eq, UV: StateValue> AnyMap for HashMap<UK, UV> {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn encode(&self) -> Result<Vec<u8>> {
        let entries: Vec<(&UK, &UV)> = self.iter().collect();
        Ok(postcard::to_allocvec(&entries)?)
    }
}

/// One named map: created on first use, or decoded from restored bytes on first use.
struct Slot {
    name: Arc<str>,
    map: OnceCell<Box<dyn AnyMap>>,
    restored: Option<Vec<u8>>,
}

impl Slot {
    fn init<UK: StateValue + Hash + Eq, UV: StateValue>(&self) -> Result<()> {
        if self.map.get().is_some() {
            return Ok(());
        }
        let map: HashMap<UK, UV> = match &self.restored {
            Some(bytes) => {
                let entries: Vec<(UK, UV)> = postcard::from_bytes(bytes)
                    .map_err(|e| Error::Serialization(format!("restoring broadcast state '{}': {e}", self.name)))?;
                entries.into_iter().collect()
            }
            None => HashMap::new(),
        };
        let _ = self.map.set(Box::new(map));
        Ok(())
    }
}

/// The broadcast states of one operator instance, by name; only declared names are allowed.
/// Every instance holds an identical copy, so a snapshot stores one and a restore gives every
/// instance that copy.
pub struct BroadcastStates {
    declared: Vec<Arc<str>>,
    slots: Vec<Slot>,
    operator_id: Arc<str>,
}

impl BroadcastStates {
    /// Storage for the states `declared` on the broadcast stream.
    pub fn new(declared: Vec<Arc<str>>) -> Self {
        BroadcastStates { declared, slots: Vec::new(), operator_id: "broadcast".into() }
    }

    /// The states of the operator instance described by `setup`, restored if the job was.
    pub fn for_operator(declared: Vec<Arc<str>>, setup: &super::OperatorSetup) -> Result<Self> {
        let mut states = BroadcastStates { declared, slots: Vec::new(), operator_id: setup.operator_id.clone() };
        if let Some(bytes) = setup.restored.as_ref().and_then(|r| r.broadcast.as_ref()) {
            states.restore(bytes)?;
        }
        Ok(states)
    }

    /// The operator id the states are filed under in snapshots.
    pub fn operator_id(&self) -> &str {
        &self.operator_id
    }

    /// Loads the broadcast states of a snapshot (decoded when first used).
    pub fn restore(&mut self, bytes: &[u8]) -> Result<()> {
        let maps: Vec<(String, Vec<u8>)> =
            postcard::from_bytes(bytes).map_err(|e| Error::Serialization(format!("restoring broadcast state: {e}")))?;
        for (name, bytes) in maps {
            self.slots.push(Slot { name: name.into(), map: OnceCell::new(), restored: Some(bytes) });
        }
        Ok(())
    }

    /// Encodes every map (one copy of the state every instance shares).
    pub fn snapshot(&self) -> Result<Vec<u8>> {
        let mut maps: Vec<(String, Vec<u8>)> = Vec::with_capacity(self.slots.len());
        for slot in &self.slots {
            let bytes = match (slot.map.get(), &slot.restored) {
                (Some(m), _) => m.encode()?,
                (None, Some(b)) => b.clone(),
                (None, None) => continue,
            };
            maps.push((slot.name.to_string(), bytes));
        }
        Ok(postcard::to_allocvec(&maps)?)
    }

    fn check<UK, UV>(&self, desc: &BroadcastStateDescriptor<UK, UV>) -> Result<()> {
        if self.declared.iter().any(|d| **d == *desc.name) {
            Ok(())
        } else {
            Err(Error::InvalidJob(format!(
                "broadcast state '{}' was not declared on the broadcast stream (declared: {:?})",
                desc.name, self.declared
            )))
        }
    }

    fn type_error<UK, UV>(name: &str) -> Error {
        Error::InvalidJob(format!(
            "broadcast state '{name}' is used with different types (now as map of {} to {})",
            std::any::type_name::<UK>(),
            std::any::type_name::<UV>()
        ))
    }

    /// The map of `desc` for reading and writing, created empty on first use.
    pub fn map_mut<UK: StateValue + Hash + Eq, UV: StateValue>(
        &mut self,
        desc: &BroadcastStateDescriptor<UK, UV>,
    ) -> Result<&mut HashMap<UK, UV>> {
        self.check(desc)?;
        let i = match self.slots.iter().position(|s| *s.name == *desc.name) {
            Some(i) => i,
            None => {
                self.slots.push(Slot { name: desc.name.clone(), map: OnceCell::new(), restored: None });
                self.slots.len() - 1
            }
        };
        self.slots[i].init::<UK, UV>()?;
        let map = self.slots[i].map.get_mut().expect("initialized");
        map.as_any_mut().downcast_mut::<HashMap<UK, UV>>().ok_or_else(|| Self::type_error::<UK, UV>(&desc.name))
    }

    /// The map of `desc` for reading (`None` while nothing was written to it).
    pub fn map<UK: StateValue + Hash + Eq, UV: StateValue>(
        &self,
        desc: &BroadcastStateDescriptor<UK, UV>,
    ) -> Result<Option<&HashMap<UK, UV>>> {
        self.check(desc)?;
        match self.slots.iter().find(|s| *s.name == *desc.name) {
            None => Ok(None),
            Some(slot) => {
                slot.init::<UK, UV>()?;
                let map = slot.map.get().expect("initialized");
                map.as_any().downcast_ref::<HashMap<UK, UV>>().map(Some).ok_or_else(|| Self::type_error::<UK, UV>(&desc.name))
            }
        }
    }
}

/// Read-write view of a broadcast map (Flink's `BroadcastState`). Update it identically in
/// every parallel instance (depend only on the broadcast element), or the copies diverge.
pub struct BroadcastState<'a, UK, UV> {
    map: &'a mut HashMap<UK, UV>,
}

impl<UK: Hash + Eq, UV> BroadcastState<'_, UK, UV> {
    /// The value under `key`.
    pub fn get(&self, key: &UK) -> Option<&UV> {
        self.map.get(key)
    }
    /// Whether `key` is present.
    pub fn contains(&self, key: &UK) -> bool {
        self.map.contains_key(key)
    }
    /// Sets `key` to `value`, returning the previous value.
    pub fn put(&mut self, key: UK, value: UV) -> Option<UV> {
        self.map.insert(key, value)
    }
    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &UK) -> Option<UV> {
        self.map.remove(key)
    }
    /// Removes every entry.
    pub fn clear(&mut self) {
        self.map.clear()
    }
    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&UK, &UV)> {
        self.map.iter()
    }
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Read-only view of a broadcast map (Flink's `ReadOnlyBroadcastState`).
pub struct ReadOnlyBroadcastState<'a, UK, UV> {
    map: Option<&'a HashMap<UK, UV>>,
}

impl<UK: Hash + Eq, UV> ReadOnlyBroadcastState<'_, UK, UV> {
    /// The value under `key`.
    pub fn get(&self, key: &UK) -> Option<&UV> {
        self.map.and_then(|m| m.get(key))
    }
    /// Whether `key` is present.
    pub fn contains(&self, key: &UK) -> bool {
        self.map.is_some_and(|m| m.contains_key(key))
    }
    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&UK, &UV)> {
        self.map.into_iter().flat_map(|m| m.iter())
    }
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.map_or(0, HashMap::len)
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The context of `process_broadcast_element` (Flink's `BroadcastProcessFunction.Context`):
/// read-write broadcast state, time, side outputs.
pub struct BroadcastContext<'a> {
    pub(crate) timestamp: i64,
    pub(crate) watermark: i64,
    pub(crate) time: &'a ProcessingTimeService,
    pub(crate) states: &'a mut BroadcastStates,
    pub(crate) sides: &'a mut SideOutputs,
}

impl BroadcastContext<'_> {
    /// The broadcast state `desc`, for reading and writing.
    pub fn broadcast_state<UK: StateValue + Hash + Eq, UV: StateValue>(
        &mut self,
        desc: &BroadcastStateDescriptor<UK, UV>,
    ) -> Result<BroadcastState<'_, UK, UV>> {
        Ok(BroadcastState { map: self.states.map_mut(desc)? })
    }
    /// Timestamp of the element, if any.
    pub fn timestamp(&self) -> Option<i64> {
        (self.timestamp != NO_TIMESTAMP).then_some(self.timestamp)
    }
    /// The operator's current event-time watermark.
    pub fn current_watermark(&self) -> i64 {
        self.watermark
    }
    /// The current processing time.
    pub fn current_processing_time(&self) -> i64 {
        self.time.now()
    }
    /// Emits to a side output.
    pub fn output<X: 'static>(&mut self, tag: &OutputTag<X>, value: X) -> Result<()> {
        self.sides.emit(tag, value, self.timestamp)
    }
}

/// The context of a non-keyed `process_element` (Flink's `BroadcastProcessFunction.ReadOnlyContext`):
/// read-only broadcast state, time, side outputs.
pub struct ReadOnlyBroadcastContext<'a> {
    pub(crate) timestamp: i64,
    pub(crate) watermark: i64,
    pub(crate) time: &'a ProcessingTimeService,
    pub(crate) states: &'a BroadcastStates,
    pub(crate) sides: &'a mut SideOutputs,
}

impl ReadOnlyBroadcastContext<'_> {
    /// The broadcast state `desc`, for reading.
    pub fn broadcast_state<UK: StateValue + Hash + Eq, UV: StateValue>(
        &self,
        desc: &BroadcastStateDescriptor<UK, UV>,
    ) -> Result<ReadOnlyBroadcastState<'_, UK, UV>> {
        Ok(ReadOnlyBroadcastState { map: self.states.map(desc)? })
    }
    /// Timestamp of the element, if any.
    pub fn timestamp(&self) -> Option<i64> {
        (self.timestamp != NO_TIMESTAMP).then_some(self.timestamp)
    }
    /// The operator's current event-time watermark.
    pub fn current_watermark(&self) -> i64 {
        self.watermark
    }
    /// The current processing time.
    pub fn current_processing_time(&self) -> i64 {
        self.time.now()
    }
    /// Emits to a side output.
    pub fn output<X: 'static>(&mut self, tag: &OutputTag<X>, value: X) -> Result<()> {
        self.sides.emit(tag, value, self.timestamp)
    }
}

/// The context of a keyed `process_element` and `on_timer` (Flink's
/// `KeyedBroadcastProcessFunction.ReadOnlyContext`): everything a [`KeyedContext`] offers
/// (current key, keyed state, timers, side outputs — through `Deref`) plus read-only
/// broadcast state.
pub struct KeyedReadOnlyBroadcastContext<'a, K> {
    pub(crate) keyed: KeyedContext<'a, K>,
    pub(crate) states: &'a BroadcastStates,
}

impl<K> KeyedReadOnlyBroadcastContext<'_, K> {
    /// The broadcast state `desc`, for reading.
    pub fn broadcast_state<UK: StateValue + Hash + Eq, UV: StateValue>(
        &self,
        desc: &BroadcastStateDescriptor<UK, UV>,
    ) -> Result<ReadOnlyBroadcastState<'_, UK, UV>> {
        Ok(ReadOnlyBroadcastState { map: self.states.map(desc)? })
    }
}

impl<'a, K> Deref for KeyedReadOnlyBroadcastContext<'a, K> {
    type Target = KeyedContext<'a, K>;
    fn deref(&self) -> &Self::Target {
        &self.keyed
    }
}

impl<K> DerefMut for KeyedReadOnlyBroadcastContext<'_, K> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.keyed
    }
}

impl<K> StateContext<K, ()> for KeyedReadOnlyBroadcastContext<'_, K> {
    fn state_view(&mut self) -> StateView<'_, K, ()> {
        self.keyed.state_view()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_states_are_typed_maps() {
        let rules = BroadcastStateDescriptor::<String, i64>::new("rules");
        let mut states = BroadcastStates::new(vec!["rules".into()]);
        assert!(states.map(&rules).unwrap().is_none());
        let mut view = BroadcastState { map: states.map_mut(&rules).unwrap() };
        view.put("a".into(), 1);
        view.put("b".into(), 2);
        assert_eq!(view.remove(&"b".to_string()), Some(2));
        let read = ReadOnlyBroadcastState { map: states.map(&rules).unwrap() };
        assert_eq!(read.get(&"a".to_string()), Some(&1));
        assert_eq!(read.len(), 1);
        let wrong_type = BroadcastStateDescriptor::<String, String>::new("rules");
        assert!(states.map(&wrong_type).unwrap_err().to_string().contains("different types"));
        let undeclared = BroadcastStateDescriptor::<String, i64>::new("other");
        assert!(states.map_mut(&undeclared).unwrap_err().to_string().contains("not declared"));
    }
}

#[cfg(test)]
mod snapshot_tests {
    use super::*;

    #[test]
    fn broadcast_state_survives_snapshot_and_restore() {
        let rules = BroadcastStateDescriptor::<String, i64>::new("rules");
        let mut states = BroadcastStates::new(vec!["rules".into()]);
        states.map_mut(&rules).unwrap().insert("max".into(), 10);
        let bytes = states.snapshot().unwrap();

        let mut restored = BroadcastStates::new(vec!["rules".into()]);
        restored.restore(&bytes).unwrap();
        // Restored but not yet read: a second snapshot still carries it.
        let again = restored.snapshot().unwrap();
        assert_eq!(restored.map(&rules).unwrap().unwrap().get("max"), Some(&10));
        let mut third = BroadcastStates::new(vec!["rules".into()]);
        third.restore(&again).unwrap();
        third.map_mut(&rules).unwrap().insert("min".into(), 1);
        assert_eq!(third.map(&rules).unwrap().unwrap().len(), 2);
        let wrong = BroadcastStateDescriptor::<String, String>::new("rules");
        assert!(third.map(&wrong).is_err(), "type mismatch is an error");
    }
}
