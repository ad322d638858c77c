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

struct Request {
    text: String,
    reply: oneshot::Sender<Result<Vector, String>>,
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

    /// The vector of one text, computed on the embedding thread.
    pub async fn embed(&self, text: String) -> Result<Vector, ModelError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Request { text, reply })
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
        let texts: Vec<&str> = batch.iter().map(|r| r.text.as_str()).collect();
        match model.embed(&texts) {
            Ok(vectors) => {
                for (request, vector) in batch.into_iter().zip(vectors) {
                    // The asker may have given up (a shutdown): nobody to tell.
                    let _ = request.reply.send(Ok(vector));
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
