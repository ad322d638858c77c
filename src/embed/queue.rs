//! One thread that runs the model for questions coming from async code: the async runtime
//! never waits on inference, and questions that arrive together are embedded in one batch
//! (a burst of messages costs a few milliseconds each, not ten).
//!
//! One thread, not a pool: on two cores, two inference threads were slower than one
//! (contention with the runtime and with each other).

use std::sync::mpsc;
use std::sync::Arc;

use tokio::sync::oneshot;

use super::{Model, ModelError, Vector};

/// The most questions taken from the queue in one go (the model batches them further by
/// length).
const MAX_BATCH: usize = 128;

/// The texts of one message (its question and clauses), answered together.
struct Request {
    texts: Vec<String>,
    reply: oneshot::Sender<Result<Vec<Vector>, String>>,
}

/// A handle on the embedding thread; cloning it shares the thread. The thread stops when
/// the last handle is dropped.
#[derive(Clone)]
pub struct EmbedQueue {
    sender: mpsc::Sender<Request>,
}

impl std::fmt::Debug for EmbedQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbedQueue").finish_non_exhaustive()
    }
}

impl EmbedQueue {
    pub fn start(model: Arc<Model>) -> std::io::Result<EmbedQueue> {
        let (sender, receiver) = mpsc::channel::<Request>();
        std::thread::Builder::new().name("embedding".to_owned()).spawn(move || run(&model, &receiver))?;
        Ok(EmbedQueue { sender })
    }

    /// The vectors of one message's texts, in order, computed on the embedding thread.
    pub async fn embed(&self, texts: Vec<String>) -> Result<Vec<Vector>, ModelError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Request { texts, reply })
            .map_err(|_| ModelError::Inference("the embedding thread has stopped".to_owned()))?;
        match answer.await {
            Ok(result) => result.map_err(ModelError::Inference),
            Err(_) => Err(ModelError::Inference("the embedding thread has stopped".to_owned())),
        }
    }
}

fn run(model: &Model, receiver: &mpsc::Receiver<Request>) {
    while let Ok(first) = receiver.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(request) => batch.push(request),
                Err(_) => break,
            }
        }
        let texts: Vec<&str> = batch.iter().flat_map(|r| r.texts.iter().map(String::as_str)).collect();
        match model.embed(&texts) {
            Ok(mut vectors) => {
                for request in batch.into_iter().rev() {
                    let own = vectors.split_off(vectors.len() - request.texts.len());
                    // The asker may have given up (a shutdown): nobody to tell.
                    let _ = request.reply.send(Ok(own));
                }
            }
            Err(error) => {
                let message = error.to_string();
                for request in batch {
                    let _ = request.reply.send(Err(message.clone()));
                }
            }
        }
    }
}
